"""Fault drills: each drill runs short in `make test` and long (marked `drill`) under `make drills`.

`--run-drills` enables the long versions; without it they are skipped. Drills that stop or start servers run
on the session's embedded servers, or on a private embedded pair when the session's servers are not ours to
stop (testcontainers, env URIs). Under `--run-drills` a long drill that skips is a failure.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from tests.drills.harness import Stack
from tests.infra import embedded_stack


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
        metafunc.parametrize(
            "scale",
            [
                pytest.param(Scale(False), id="short"),
                pytest.param(Scale(True), id="long", marks=pytest.mark.drill),
            ],
        )


@pytest.fixture(autouse=True)
def _long_drills_only_when_asked(request, monkeypatch):
    long = request.node.get_closest_marker("drill") is not None
    if long and not request.config.getoption("--run-drills", default=False):
        pytest.skip("long drill: run with `make drills` (--run-drills)")
    monkeypatch.setenv("JAJO_DRILL_MODE", "long" if long else "short")


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if report.skipped and item.get_closest_marker("drill") and item.config.getoption("--run-drills", default=False):
        report.outcome = "failed"
        report.longrepr = f"a long drill skipped under --run-drills (make drills): {report.longrepr}"


@pytest.fixture
def controllable(infra, tmp_path_factory):
    """Servers the drill may stop and start: the session's embedded ones, else a private embedded pair."""
    if infra.controllable:
        yield infra
        return
    with embedded_stack(tmp_path_factory.mktemp("own-servers")) as own:
        yield own


@pytest.fixture
def settings(request, settings):
    """A drill that stops servers talks to the servers it stops."""
    if "controllable" not in request.fixturenames:
        return settings
    own = request.getfixturevalue("controllable")
    return settings.override(kafka_bootstrap_servers=own.kafka_bootstrap_servers, mongodb_uri=own.mongodb_uri)


@pytest.fixture
def stack(settings, background):
    stack = Stack(settings)
    yield stack
    stack.close()
