import hashlib

import pytest

from jajo.errors import Conflict, RuleViolation
from services.activity.domain import (
    HEAD_BYTES,
    MAX_DOCUMENT_BYTES,
    Document,
    DocumentTooLarge,
    StoredFile,
    UnsupportedDocument,
    check_upload,
    missing_documents,
    sniff,
)


def stored(content: bytes) -> StoredFile:
    return StoredFile(content[:HEAD_BYTES], len(content), hashlib.sha256(content).hexdigest())


@pytest.mark.parametrize(
    "head, expected",
    [
        (b"\xff\xd8\xff\xe1....Exif", "image/jpeg"),
        (b"\x89PNG\r\n\x1a\n....", "image/png"),
        (b"%PDF-1.4\n", "application/pdf"),
        (b"\x00\x00\x00\x18ftypheic\x00\x00", "image/heic"),
        (b"\x00\x00\x00\x1cftypmif1\x00\x00", "image/heic"),
        (b"\x00\x00\x00\x18ftypisom\x00\x00", None),  # an mp4 video
        (b"GIF89a", None),
        (b"<svg>", None),
        (b"\xff\xd8", None),
    ],
)
def test_sniff_by_magic_bytes(head, expected):
    assert sniff(head) == expected


def test_size_limits():
    assert check_upload(b"%PDF-1.4", MAX_DOCUMENT_BYTES) == "application/pdf"
    with pytest.raises(DocumentTooLarge) as caught:
        check_upload(b"%PDF-1.4", MAX_DOCUMENT_BYTES + 1)
    assert caught.value.status == 413 and "file" in caught.value.errors
    with pytest.raises(UnsupportedDocument) as caught:
        check_upload(b"", 0)
    assert caught.value.status == 415


def test_submit_records_hash_and_detected_type():
    doc = Document.submit("d1", group_id="g1", year=2026, kind="receipt", file=stored(b"%PDF-1"), filename="a.jpg")
    [event] = doc.pending
    assert event.data["content_type"] == "application/pdf" and event.data["size"] == 6
    assert event.data["sha256"] == hashlib.sha256(b"%PDF-1").hexdigest() and event.data["session_id"] is None


def test_submit_applies_the_upload_rule_to_the_stored_file():
    for content, refused in (
        (b"GIF89a", UnsupportedDocument),
        (b"%PDF-" + b"\0" * MAX_DOCUMENT_BYTES, DocumentTooLarge),
    ):
        with pytest.raises(refused):
            Document.submit("d1", group_id="g1", year=2026, kind="receipt", file=stored(content), filename="a.pdf")


def test_missing_documents():
    sessions = [
        {"id": "s1", "date": "2026-05-01", "kind": "special", "status": "held"},
        {"id": "s2", "date": "2026-06-01", "kind": "special", "status": "scheduled"},
        {"id": "s3", "date": "2026-07-01", "kind": "special", "status": "held"},
    ]
    expenses = [
        {"id": "e1", "date": "2026-05-01", "amount": 1, "status": "claimed", "document_ids": []},
        {"id": "e2", "date": "2026-05-02", "amount": 1, "status": "approved", "document_ids": ["d2"]},
        {"id": "e3", "date": "2026-05-03", "amount": 1, "status": "rejected", "document_ids": []},
    ]
    documents = [
        {"id": "d1", "kind": "result_report", "session_id": "s1", "expense_id": None},
        {"id": "d2", "kind": "receipt", "session_id": None, "expense_id": None},
    ]
    owed = missing_documents(2026, sessions, expenses, documents)
    assert [(m["kind"], m["session_id"] or m["expense_id"]) for m in owed] == [
        ("activity_plan", None),
        ("result_report", "s3"),
        ("receipt", "e1"),
    ]
    documents.append({"id": "d3", "kind": "activity_plan", "session_id": None, "expense_id": None})
    assert [m["kind"] for m in missing_documents(2026, sessions, expenses, documents)] == ["result_report", "receipt"]


def submitted() -> Document:
    doc = Document.submit(
        "d1", group_id="g1", year=2026, kind="result_report", file=stored(b"%PDF-1"), filename="a.pdf", session_id="s1"
    )
    doc.take_pending()
    return doc


def test_review_accepts_or_returns_a_submitted_document_once():
    doc = submitted()
    assert doc.view()["review"] == {"status": "submitted", "reason": None}
    doc.return_to_group("서명이 없습니다")
    [event] = doc.take_pending()
    assert event.type == "DocumentReturned" and event.data == {
        "document_id": "d1",
        "group_id": "g1",
        "year": 2026,
        "kind": "result_report",
        "session_id": "s1",
        "expense_id": None,
        "reason": "서명이 없습니다",
    }
    assert doc.view()["review"] == {"status": "returned", "reason": "서명이 없습니다"}
    for act in (doc.accept, lambda: doc.return_to_group("again")):
        with pytest.raises(Conflict):
            act()
    accepted = submitted()
    accepted.accept()
    assert [e.type for e in accepted.take_pending()] == ["DocumentAccepted"]
    with pytest.raises(Conflict):
        accepted.return_to_group("late")


@pytest.mark.parametrize("reason", ["", "   ", None])
def test_a_return_needs_a_reason(reason):
    doc = submitted()
    with pytest.raises(RuleViolation) as refused:
        doc.return_to_group(reason)
    assert "reason" in refused.value.errors and not doc.pending


def test_a_returned_document_no_longer_counts_as_handed_in_and_a_new_file_answers_it():
    sessions = [{"id": "s1", "date": "2026-05-01", "kind": "special", "status": "held"}]
    plan = {"id": "p", "kind": "activity_plan", "year": 2026, "review": {"status": "accepted", "reason": None}}
    report = {"id": "d1", "kind": "result_report", "session_id": "s1", "review": {"status": "returned", "reason": "x"}}
    assert [m["kind"] for m in missing_documents(2026, sessions, [], [plan, report])] == ["result_report"]
    resubmitted = {"id": "d2", "kind": "result_report", "session_id": "s1", "review": {"status": "submitted"}}
    assert missing_documents(2026, sessions, [], [plan, report, resubmitted]) == []
    flags = {"id": "d1", "kind": "result_report", "session_id": "s1", "returned": True}  # reporting's read model
    assert [m["kind"] for m in missing_documents(2026, sessions, [], [plan, flags])] == ["result_report"]
