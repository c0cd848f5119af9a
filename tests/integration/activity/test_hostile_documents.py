"""Hostile uploads (issue 14): filenames cleaned at the door, every stored document downloads, and a file
outlives an exception only if its event may have committed (the sweep removes the rest)."""

from __future__ import annotations

import io
from datetime import datetime, timedelta, timezone
from urllib.parse import unquote

import pytest

from jajo import mongo
from tests.integration.activity.test_documents_api import JPEG, upload


@pytest.mark.parametrize(
    "sent, stored",
    [
        ("tab\tand\x0bvt.pdf", "tab andvt.pdf"),
        ("../../etc/passwd", "passwd"),
        ("\u202egpj.exe", "gpj.exe"),
        ("a\x00\x07b.jpg", "ab.jpg"),
        ("...", "upload"),
        ("가" * 400 + ".jpeg", "가" * 195 + ".jpeg"),
    ],
)
def test_filenames_are_cleaned_at_the_door_and_always_download(api, registry, sent, stored):
    group_id, _ = registry.approved_group()
    response = upload(api, group_id, JPEG + b"x" * 100, filename=sent)
    assert response.status_code == 201, response.get_data(as_text=True)
    document = response.get_json()
    assert document["filename"] == stored
    content = api.get(document["content_url"])
    assert content.status_code == 200 and content.data == JPEG + b"x" * 100
    disposition = content.headers["Content-Disposition"]
    assert "\r" not in disposition and "\n" not in disposition
    assert unquote(disposition.split("filename*=UTF-8''")[1]) == stored


def test_a_stored_name_that_predates_the_cleaning_still_downloads(api, registry, activity):
    group_id, _ = registry.approved_group()
    document = upload(api, group_id, JPEG + b"y").get_json()
    activity.db["document_views"].update_one({"_id": document["id"]}, {"$set": {"filename": 'a"\r\nb.jpg'}})
    content = api.get(document["content_url"])
    assert content.status_code == 200 and "filename*=UTF-8''a%22%20%20b.jpg" in content.headers["Content-Disposition"]


def test_a_document_whose_commit_outcome_is_unknown_keeps_its_file_and_the_sweep_keeps_committed_ones(
    api, registry, activity, monkeypatch
):
    group_id, _ = registry.approved_group()
    real_commit = mongo._commit

    def committed_but_unconfirmed(session, deadline_seconds=10.0):
        real_commit(session)
        raise mongo.CommitOutcomeUnknown()

    monkeypatch.setattr(mongo, "_commit", committed_but_unconfirmed)
    answer = upload(api, group_id, JPEG + b"z")
    monkeypatch.setattr(mongo, "_commit", real_commit)
    assert answer.status_code == 201  # its event is there: the real answer
    [view] = activity.db["document_views"].find({"group_id": group_id})
    assert view["_id"] == answer.get_json()["id"]
    assert activity.files.read(view["_id"]) == JPEG + b"z"  # the committed document kept its file

    orphan = "orphan-file"
    activity.files.put(orphan, io.BytesIO(b"never committed"), "x.jpg", "image/jpeg")
    hours_ago = datetime.now(timezone.utc) - timedelta(hours=2)
    activity.db["documents.files"].update_many({}, {"$set": {"uploadDate": hours_ago}})
    assert activity.files.sweep(activity.store.events) == 1
    assert activity.files.read(view["_id"]) == JPEG + b"z"
    assert activity.db["documents.files"].find_one({"_id": orphan}) is None


def test_the_sweep_leaves_young_files_alone(activity):
    activity.files.put("young", io.BytesIO(b"being committed right now"), "x.jpg", "image/jpeg")
    assert activity.files.sweep(activity.store.events) == 0
    assert activity.db["documents.files"].find_one({"_id": "young"}) is not None
