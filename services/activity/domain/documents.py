"""Documents the program asks of a group: plans, result reports, receipts, attendance sheets."""

from __future__ import annotations

from dataclasses import dataclass

from jajo.domain import Aggregate
from services.program.rules import ACCEPTED as REVIEW_ACCEPTED, RETURNED, SUBMITTED, documents_owed
from jajo.errors import Conflict, JajoError, RuleViolation
from services.activity import events

DOCUMENT_KINDS = ("activity_plan", "result_report", "receipt", "attendance_sheet")
MAX_DOCUMENT_BYTES = 10 * 1024 * 1024
HEIF_BRANDS = {b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx", b"hevm", b"hevs", b"mif1", b"msf1"}
ACCEPTED = "JPEG, PNG, HEIC or PDF"
HEAD_BYTES = 12  # what `sniff` reads


class DocumentTooLarge(JajoError):
    status, title, slug = 413, "Content too large", "content-too-large"


class UnsupportedDocument(JajoError):
    status, title, slug = 415, "Unsupported media type", "unsupported-media-type"


def sniff(content: bytes) -> str | None:
    """The content type the bytes really are (by their magic numbers), or None when not accepted."""
    if content.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if content.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if content.startswith(b"%PDF-"):
        return "application/pdf"
    if len(content) >= 12 and content[4:8] == b"ftyp" and content[8:12] in HEIF_BRANDS:
        return "image/heic"
    return None


@dataclass(frozen=True)
class StoredFile:
    """What a document records of its file: the file itself is streamed to storage, never held here."""

    head: bytes  # the first HEAD_BYTES bytes
    size: int
    sha256: str


def check_upload(head: bytes, size: int) -> str:
    """Size first, then type (from the file's first bytes): returns the detected content type."""
    if size > MAX_DOCUMENT_BYTES:
        raise DocumentTooLarge(
            f"a document is at most {MAX_DOCUMENT_BYTES // (1024 * 1024)} MB",
            errors={"file": [f"larger than {MAX_DOCUMENT_BYTES} bytes"]},
        )
    if not size:
        raise UnsupportedDocument("the file is empty", errors={"file": ["is empty"]})
    detected = sniff(head)
    if detected is None:
        raise UnsupportedDocument(f"send a {ACCEPTED} file", errors={"file": [f"is not a {ACCEPTED} file"]})
    return detected


@dataclass
class Document(Aggregate):
    aggregate_type = "document"
    group_id: str = ""
    year: int = 0
    kind: str = ""
    session_id: str | None = None
    expense_id: str | None = None
    filename: str = ""
    content_type: str = ""
    size: int = 0
    sha256: str = ""
    review_status: str = SUBMITTED
    review_reason: str | None = None

    @classmethod
    def submit(
        cls,
        document_id: str,
        *,
        group_id: str,
        year: int | None,
        kind: str,
        file: StoredFile,
        filename: str,
        session_id: str | None = None,
        expense_id: str | None = None,
    ) -> "Document":
        content_type = check_upload(file.head, file.size)
        document = cls(id=document_id)
        document.record(
            events.DocumentSubmitted,
            document_id=document_id,
            group_id=group_id,
            year=year,
            kind=kind,
            session_id=session_id,
            expense_id=expense_id,
            filename=filename,
            content_type=content_type,
            size=file.size,
            sha256=file.sha256,
        )
        return document

    def _facts(self) -> dict:
        return {
            "document_id": self.id,
            "group_id": self.group_id,
            "year": self.year,
            "kind": self.kind,
            "session_id": self.session_id,
            "expense_id": self.expense_id,
        }

    def _check_reviewable(self, verb: str) -> None:
        if self.review_status != SUBMITTED:
            raise Conflict(
                f"document {self.id} was {self.review_status}; only a submitted document can be {verb} "
                "(a returned one is answered by submitting a new file)"
            )

    def accept(self) -> None:
        """submitted → accepted (staff). Accepted and returned documents are not reviewed again: 409."""
        self._check_reviewable("accepted")
        self.record(events.DocumentAccepted, **self._facts())

    def return_to_group(self, reason: str) -> None:
        """submitted → returned with a reason (staff): the document no longer counts as handed in."""
        if not isinstance(reason, str) or not reason.strip():
            raise RuleViolation("a returned document needs a reason", errors={"reason": ["must not be blank"]})
        self._check_reviewable("returned")
        self.record(events.DocumentReturned, **self._facts(), reason=reason)

    def on_document_accepted(self, data: dict) -> None:
        self.review_status = REVIEW_ACCEPTED

    def on_document_returned(self, data: dict) -> None:
        self.review_status, self.review_reason = RETURNED, data.get("reason")

    def on_document_submitted(self, data: dict) -> None:
        self.group_id, self.year, self.kind = data["group_id"], data["year"], data["kind"]
        self.session_id, self.expense_id = data.get("session_id"), data.get("expense_id")
        self.filename, self.content_type = data["filename"], data["content_type"]
        self.size, self.sha256 = data["size"], data["sha256"]

    def view(self) -> dict:
        return {
            "group_id": self.group_id,
            "year": self.year,
            "kind": self.kind,
            "session_id": self.session_id,
            "expense_id": self.expense_id,
            "filename": self.filename,
            "content_type": self.content_type,
            "size": self.size,
            "sha256": self.sha256,
            "review": {"status": self.review_status, "reason": self.review_reason},
        }


def missing_documents(year: int, sessions: list[dict], expenses: list[dict], documents: list[dict]) -> list[dict]:
    """What a group still owes for a year (services.program.rules.documents_owed over activity's views)."""
    held_special = [s for s in sessions if s["kind"] == "special" and s["status"] == "held"]
    open_claims = [e for e in expenses if e["status"] != "rejected"]
    return documents_owed(year, held_special, open_claims, documents)
