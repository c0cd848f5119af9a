"""Activity's domain: sessions, center spaces, funding and documents. Pure Python, no I/O."""

from services.activity.domain.documents import (
    DOCUMENT_KINDS,
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
from services.activity.domain.funding import Budget, budget_id
from services.activity.domain.registry import GroupFacts
from services.activity.domain.sessions import KINDS, MAX_SERIES, Session, check_slot, series_dates
from services.activity.domain.spaces import CENTER_SPACES, VENUES, Space, SpaceDay, load_spaces, space_day_id

__all__ = [
    "Budget",
    "CENTER_SPACES",
    "DOCUMENT_KINDS",
    "Document",
    "DocumentTooLarge",
    "GroupFacts",
    "HEAD_BYTES",
    "KINDS",
    "MAX_DOCUMENT_BYTES",
    "MAX_SERIES",
    "Session",
    "Space",
    "SpaceDay",
    "StoredFile",
    "UnsupportedDocument",
    "VENUES",
    "budget_id",
    "check_slot",
    "check_upload",
    "load_spaces",
    "missing_documents",
    "series_dates",
    "sniff",
    "space_day_id",
]
