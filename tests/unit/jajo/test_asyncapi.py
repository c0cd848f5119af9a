"""Each write service's GET /asyncapi.json: public, its own topic, every declared event type, and valid AsyncAPI 3.0
by the official parser (@asyncapi/parser, run by node: tests/asyncapi/validate.mjs)."""

from __future__ import annotations

import copy
import json
import shutil
import subprocess
from pathlib import Path

import pytest

from jajo.config import Settings
from jajo.envelope import CONTENT_TYPE
from services.activity.app import create_app as activity_app
from services.activity.events import CATALOGUE as ACTIVITY
from services.registration.app import create_app as registration_app
from services.registration.events import CATALOGUE as REGISTRATION
from services.survey.app import create_app as survey_app
from services.survey.events import CATALOGUE as SURVEY
from tests.conftest import STAFF_TOKEN

ROOT = Path(__file__).resolve().parents[3]
VALIDATE = ROOT / "tests" / "asyncapi" / "validate.mjs"
SETTINGS = Settings(api_tokens=f"staff:alice:{STAFF_TOKEN}", topic_prefix="t1_", topic_partitions=3)
SERVICES = {
    "registration": (registration_app, REGISTRATION),
    "activity": (activity_app, ACTIVITY),
    "survey": (survey_app, SURVEY),
}


def served(name: str) -> dict:
    create_app, _catalogue = SERVICES[name]
    response = create_app(SETTINGS).test_client().get("/asyncapi.json")  # no token: public like /openapi.json
    assert response.status_code == 200 and response.mimetype == "application/json"
    assert "no-store" not in response.headers.get("Cache-Control", "")
    return response.get_json()


def parser_errors(tmp_path: Path, documents: dict[str, dict]) -> dict[str, list[dict]]:
    """The diagnostics of severity error (0) the AsyncAPI parser gives each document."""
    node = shutil.which("node")
    assert node, "node is needed (and `npm ci` for @asyncapi/parser)"
    files = []
    for name, doc in documents.items():
        files.append(tmp_path / f"{name}.json")
        files[-1].write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    done = subprocess.run(
        [node, str(VALIDATE), *map(str, files)], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert done.returncode in (0, 1), done.stderr
    report = json.loads(done.stdout)
    errors = {Path(file).stem: [d for d in found if d["severity"] == 0] for file, found in report.items()}
    assert (done.returncode == 1) == any(errors.values()), (done.returncode, errors)
    return errors


@pytest.mark.parametrize("name", SERVICES)
def test_each_write_service_describes_its_own_topic_and_every_declared_event(name):
    catalogue = SERVICES[name][1]
    doc = served(name)
    assert doc["asyncapi"].startswith("3.") and doc["defaultContentType"] == CONTENT_TYPE
    [channel] = doc["channels"].values()
    assert channel["address"] == f"t1_{catalogue.topic}" and channel["bindings"]["kafka"]["partitions"] == 3
    assert set(channel["messages"]) == set(doc["components"]["messages"]) == catalogue.names
    [operation] = doc["operations"].values()
    assert operation["action"] == "send" and len(operation["messages"]) == len(catalogue.types)
    for event in catalogue.types:
        message = doc["components"]["messages"][event.name]
        assert message["headers"]["properties"]["content-type"]["const"] == CONTENT_TYPE
        assert message["bindings"]["kafka"]["key"]["type"] == "string"
        payload = message["payload"]
        assert payload["properties"]["type"] == {"const": event.name}
        assert payload["properties"]["dataversion"] == {"const": event.dataversion}
        assert payload["properties"]["data"]["required"] == list(event.fields)


def test_the_official_parser_finds_no_error_in_any_of_the_three(tmp_path):
    assert parser_errors(tmp_path, {name: served(name) for name in SERVICES}) == {name: [] for name in SERVICES}


def test_the_parser_rejects_a_broken_document(tmp_path):
    """The check can fail: a wrong action, a channel that does not exist, a message the channel lacks."""
    doc = served("survey")
    operation = next(iter(doc["operations"]))
    wrong_action, no_channel, stray_message = copy.deepcopy(doc), copy.deepcopy(doc), copy.deepcopy(doc)
    wrong_action["operations"][operation]["action"] = "publish"  # AsyncAPI 2's word
    no_channel["operations"][operation]["channel"] = {"$ref": "#/channels/nowhere"}
    del stray_message["channels"][SURVEY.topic]["messages"]["SurveyClosed"]
    errors = parser_errors(tmp_path, {"action": wrong_action, "channel": no_channel, "message": stray_message})
    assert all(errors.values()), errors
