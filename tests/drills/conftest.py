"""Fault drills: each drill runs short in `make test` and long (marked `drill`) under `make drills`.

`--run-drills` enables the long versions; without it they are skipped. Drills that stop or start servers
skip themselves when the servers are not ours to control (`infra.controllable`).
"""
from __future__ import annotations

from dataclasses import dataclass

import pytest

from tests.drills.harness import Stack


def pytest_addoption(parser):
    parser.addoption("--run-drills", action="store_true", default=False, help="run the long fault drills")


@dataclass(frozen=True)
class Scale:
    long: bool

    def __call__(self, short, long):
        """The short figure in `make test`, the long one under `make drills`."""
        return long if self.long else short


def pytest_generate_tests(metafunc):
    if "scale" in metafunc.fixturenames:
        metafunc.parametrize("scale", [
            pytest.param(Scale(False), id="short"),
            pytest.param(Scale(True), id="long", marks=pytest.mark.drill),
        ])


@pytest.fixture(autouse=True)
def _long_drills_only_when_asked(request, monkeypatch):
    long = request.node.get_closest_marker("drill") is not None
    if long and not request.config.getoption("--run-drills", default=False):
        pytest.skip("long drill: run with `make drills` (--run-drills)")
    monkeypatch.setenv("JAJO_DRILL_MODE", "long" if long else "short")


@pytest.fixture
def controllable(infra):
    if not infra.controllable:
        pytest.skip("this drill stops and starts servers: only the embedded ones are ours to control")
    return infra


@pytest.fixture
def stack(settings, background) -> Stack:
    return Stack(settings)
