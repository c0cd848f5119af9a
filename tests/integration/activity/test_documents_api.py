"""Documents straight from a phone, stored in GridFS, and what a group still owes."""

from __future__ import annotations

import hashlib
import io
import json
import os
import tracemalloc

import pytest
from werkzeug.test import EnvironBuilder, run_wsgi_app

from jajo.personal import is_sealed
from tests.conftest import STAFF

pytestmark = pytest.mark.integration
PROBLEM = "application/problem+json"
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"
PDF = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n"
HEIC = b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic"


def phone_photo(size: int = 3 * 1024 * 1024) -> bytes:
    return JPEG + os.urandom(size - len(JPEG))


def upload(
    api,
    group_id,
    content: bytes,
    kind="receipt",
    filename="IMG_0001.jpg",
    declared="image/jpeg",
    headers=None,
    **fields,
):
    data = {"file": (io.BytesIO(content), filename, declared), "kind": kind, "group_id": group_id, **fields}
    return api.post("/api/v1/documents", data=data, content_type="multipart/form-data", headers=headers)


def test_phone_receipt_end_to_end(api, registry, activity):
    """A 3 MB phone photo as the receipt of a claim; the missing list shrinks as documents arrive."""
    group_id, _ = registry.approved_group()
    assert api.post(f"/api/v1/groups/{group_id}/budget", json={"year": 2026, "amount": 500_000}).status_code == 201
    special = api.post(
        "/api/v1/sessions",
        json={
            "group_id": group_id,
            "date": "2026-05-09",
            "start": "10:00",
            "end": "12:00",
            "kind": "special",
            "venue": "키움터",
        },
    ).get_json()
    held = api.post(f"/api/v1/sessions/{special['id']}/attendance", json={"guardians": [], "children": []})
    assert held.status_code == 200
    expense = api.post(
        "/api/v1/expenses",
        json={
            "group_id": group_id,
            "session_id": special["id"],
            "date": "2026-05-09",
            "amount": 48_000,
            "category": "간식비",
        },
    ).get_json()

    owed = api.get(f"/api/v1/groups/{group_id}/documents/missing?year=2026").get_json()
    assert owed["complete"] is False
    assert [(m["kind"], m["session_id"], m["expense_id"]) for m in owed["missing"]] == [
        ("activity_plan", None, None),
        ("result_report", special["id"], None),
        ("receipt", special["id"], expense["id"]),
    ]

    photo = phone_photo()
    response = upload(api, group_id, photo, filename="영수증 사진.jpg", expense_id=expense["id"])
    assert response.status_code == 201, response.get_json()
    document = response.get_json()
    assert document["version"] == 1 and document["id"] and document["kind"] == "receipt"
    assert document["size"] == len(photo) and document["content_type"] == "image/jpeg"
    assert document["sha256"] == hashlib.sha256(photo).hexdigest() and document["filename"] == "영수증 사진.jpg"
    assert document["year"] == 2026 and document["expense_id"] == expense["id"]
    assert api.get(f"/api/v1/documents/{document['id']}").get_json() == document
    content = api.get(document["content_url"])
    assert content.status_code == 200 and content.data == photo and content.mimetype == "image/jpeg"
    stored = activity.db["events"].find_one({"type": "DocumentSubmitted"})["envelope"]
    assert is_sealed(stored["data"]["filename"])  # a file's name may name a person: sealed under the document's key
    assert stored["data"]["filename"]["key_id"] == f"document:{document['id']}"
    [event] = activity.store.load(document["id"])
    assert event["subject"] == document["id"] and event["data"] == {
        "document_id": document["id"],
        "group_id": group_id,
        "year": 2026,
        "kind": "receipt",
        "session_id": None,
        "expense_id": expense["id"],
        "filename": "영수증 사진.jpg",
        "content_type": "image/jpeg",
        "size": len(photo),
        "sha256": document["sha256"],
    }

    owed = api.get(f"/api/v1/groups/{group_id}/documents/missing").get_json()
    assert [m["kind"] for m in owed["missing"]] == ["activity_plan", "result_report"] and owed["year"] == 2026
    assert upload(api, group_id, PDF + b"plan", kind="activity_plan", filename="plan.pdf").status_code == 201
    assert (
        upload(
            api, group_id, PNG + b"report", kind="result_report", filename="r.png", session_id=special["id"]
        ).status_code
        == 201
    )
    done = api.get(f"/api/v1/groups/{group_id}/documents/missing?year=2026").get_json()
    assert done == {"group_id": group_id, "year": 2026, "complete": True, "missing": []}
    assert len(api.get(f"/api/v1/groups/{group_id}/documents").get_json()["documents"]) == 3


def test_receipt_named_in_the_claim_counts_and_rejected_claims_owe_nothing(api, registry):
    group_id, _ = registry.approved_group()
    api.post(f"/api/v1/groups/{group_id}/budget", json={"year": 2026, "amount": 500_000})
    receipt = upload(api, group_id, HEIC + b"rest", filename="IMG_0002.HEIC", declared="image/heic").get_json()
    assert receipt["content_type"] == "image/heic"
    covered = api.post(
        "/api/v1/expenses",
        json={
            "group_id": group_id,
            "date": "2026-05-09",
            "amount": 10_000,
            "category": "재료비",
            "document_ids": [receipt["id"]],
        },
    )
    assert covered.status_code == 201, covered.get_json()
    rejected = api.post(
        "/api/v1/expenses", json={"group_id": group_id, "date": "2026-05-10", "amount": 10_000, "category": "재료비"}
    ).get_json()
    api.post(f"/api/v1/expenses/{rejected['id']}/reject", json={"reason": "중복 청구"})
    owed = api.get(f"/api/v1/groups/{group_id}/documents/missing?year=2026").get_json()
    assert [m["kind"] for m in owed["missing"]] == ["activity_plan"]


def test_a_held_regular_session_needs_no_report(api, registry):
    group_id, _ = registry.approved_group()
    session = api.post(
        "/api/v1/sessions",
        json={
            "group_id": group_id,
            "date": "2026-05-09",
            "start": "10:00",
            "end": "12:00",
            "kind": "regular",
            "venue": "자람터",
        },
    ).get_json()
    api.post(f"/api/v1/sessions/{session['id']}/attendance", json={"guardians": [], "children": []})
    owed = api.get(f"/api/v1/groups/{group_id}/documents/missing?year=2026").get_json()
    assert [m["kind"] for m in owed["missing"]] == ["activity_plan"]


def test_too_large_is_413(api, registry, stored):
    group_id, _ = registry.approved_group()
    before = stored()
    response = upload(api, group_id, phone_photo(10 * 1024 * 1024 + 1))
    assert response.status_code == 413 and response.mimetype == PROBLEM
    assert "file" in response.get_json()["errors"]
    huge = upload(api, group_id, phone_photo(12 * 1024 * 1024))
    assert huge.status_code == 413 and huge.mimetype == PROBLEM
    assert stored() == before
    assert upload(api, group_id, phone_photo(10 * 1024 * 1024)).status_code == 201  # exactly 10 MB is fine


@pytest.mark.parametrize(
    "content, declared",
    [
        (b"GIF89a" + b"\x00" * 100, "image/gif"),
        (b"hello, this is text", "text/plain"),
        (b"MZ\x90\x00 executable", "image/jpeg"),  # declared as a photo, but it is not one
        (b"", "image/jpeg"),
    ],
)
def test_other_content_is_415(api, registry, stored, content, declared):
    group_id, _ = registry.approved_group()
    before = stored()
    response = upload(api, group_id, content, declared=declared)
    assert response.status_code == 415 and response.mimetype == PROBLEM
    assert "file" in response.get_json()["errors"]
    assert stored() == before


def test_declared_type_is_not_trusted(api, registry):
    group_id, _ = registry.approved_group()
    response = upload(api, group_id, PDF + b"x", filename="scan.jpg", declared="image/jpeg")
    assert response.status_code == 201 and response.get_json()["content_type"] == "application/pdf"


@pytest.mark.parametrize(
    "fields, field",
    [
        ({"kind": "selfie"}, "kind"),
        ({"kind": None}, "kind"),
        ({"colour": "red"}, "colour"),
        ({"session_id": "not-a-session"}, "session_id"),
        ({"expense_id": "not-an-expense"}, "expense_id"),
    ],
)
def test_bad_form_fields(api, registry, stored, fields, field):
    group_id, _ = registry.approved_group()
    data = {"file": (io.BytesIO(PDF), "a.pdf", "application/pdf"), "kind": "receipt", "group_id": group_id, **fields}
    data = {k: v for k, v in data.items() if v is not None}
    before = stored()
    response = api.post("/api/v1/documents", data=data, content_type="multipart/form-data")
    assert response.status_code == 422 and response.mimetype == PROBLEM, response.get_json()
    assert field in response.get_json()["errors"]
    assert stored() == before


def test_missing_file_json_body_and_unknown_group(api, registry, stored):
    group_id, _ = registry.approved_group()
    before = stored()
    no_file = api.post(
        "/api/v1/documents", data={"kind": "receipt", "group_id": group_id}, content_type="multipart/form-data"
    )
    assert no_file.status_code == 422 and "file" in no_file.get_json()["errors"]
    assert api.post("/api/v1/documents", json={"kind": "receipt", "group_id": group_id}).status_code == 415
    unknown = upload(api, "unknown-group", PDF)
    assert unknown.status_code == 409 and unknown.headers["Retry-After"] == "1"
    assert stored() == before
    assert api.get("/api/v1/documents/nope").status_code == 404
    assert api.get("/api/v1/documents/nope/content").status_code == 404
    assert api.get("/api/v1/groups/unknown-group/documents/missing").status_code == 409


def test_idempotent_upload(api, registry, activity):
    group_id, _ = registry.approved_group()
    first = upload(api, group_id, PDF + b"1", headers={"Idempotency-Key": "doc-1"})
    second = upload(api, group_id, PDF + b"1", headers={"Idempotency-Key": "doc-1"})
    assert first.status_code == second.status_code == 201 and first.get_json() == second.get_json()
    assert activity.db["events"].count_documents({"type": "DocumentSubmitted"}) == 1
    assert activity.db["documents.files"].count_documents({}) == 1


def test_a_large_upload_streams_to_gridfs_without_a_copy_in_memory(activity, registry):
    """A 10 MB photo is checked, hashed and stored chunk by chunk from werkzeug's spooled file: the request
    allocates a small fraction of the file (reading it whole and letting GridFS buffer it took about four copies)."""
    group_id, _ = registry.approved_group()
    photo = phone_photo(10 * 1024 * 1024 - 4096)
    builder = EnvironBuilder(
        path="/api/v1/documents",
        method="POST",
        headers=STAFF,
        data={"file": (io.BytesIO(photo), "big.jpg", "image/jpeg"), "kind": "activity_plan", "group_id": group_id},
    )
    environ = builder.get_environ()  # the request body exists before the measure starts
    tracemalloc.start()
    try:
        body, status, _ = run_wsgi_app(activity.client_app.application, environ, buffered=True)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
        builder.close()
        environ["wsgi.input"].close()
    assert status.startswith("201"), b"".join(body)
    document = json.loads(b"".join(body))
    assert document["size"] == len(photo) and document["sha256"] == hashlib.sha256(photo).hexdigest()
    assert peak < len(photo) / 4, (
        f"the request allocated {peak / 2**20:.1f} MiB for a {len(photo) / 2**20:.0f} MiB file"
    )
    assert activity.files.read(document["id"]) == photo
    chunks = list(activity.db["documents.chunks"].find({"files_id": document["id"]}, {"n": 1, "data": 1}).sort("n"))
    assert [c["n"] for c in chunks] == list(range(len(chunks)))
    assert {len(c["data"]) for c in chunks[:-1]} == {255 * 1024}  # GridFS's layout: full chunks but the last
