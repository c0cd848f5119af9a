"""Every service package has the same files for the same jobs (docs/architecture.md), and every bootstrap
returns the one kind of object, `jajo.bootstrap.Service`."""

from __future__ import annotations

import importlib
from pathlib import Path

import pytest

from jajo.bootstrap import Service
from jajo.config import Settings

ROOT = Path(__file__).resolve().parents[2]
EVERY = ("app.py", "api.py", "schemas.py", "views.py", "bootstrap.py", "worker.py")
WRITE = ("commands.py", "handlers.py")
WRITE_SERVICES = ("registration", "activity", "survey")
SERVICES = (*WRITE_SERVICES, "reporting")
SYNONYMS = ("read_models.py", "readmodels.py", "store.py", "projector.py", "wiring.py")


@pytest.mark.parametrize("name", SERVICES)
def test_the_same_files_for_the_same_jobs(name):
    package = ROOT / "services" / name
    files = {path.name for path in package.iterdir()}
    wanted = EVERY + (WRITE if name in WRITE_SERVICES else ())
    assert set(wanted) <= files, set(wanted) - files
    if name in WRITE_SERVICES:
        assert {"domain.py", "domain"} & files
    assert not set(SYNONYMS) & files, "the read side is views.py"


def test_the_architecture_doc_lists_each_file_once():
    text = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
    rows = [line for line in text.splitlines() if line.startswith("| `")]
    for file in (*EVERY, *WRITE, "guardians.py"):
        assert sum(row.startswith(f"| `{file}`") for row in rows) == 1, file


@pytest.mark.parametrize("name", (*SERVICES, "portal"))
def test_every_bootstrap_returns_a_service(name):
    service = importlib.import_module(f"services.{name}.bootstrap").bootstrap(Settings())  # no server is asked
    assert type(service) is Service and service.name == name
    assert (service.store is not None) == (service.bus is not None) == (name in WRITE_SERVICES)
    assert (service.views is not None) == (name != "portal")
