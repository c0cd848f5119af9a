"""Document contents in MongoDB GridFS (bucket `documents`), keyed by document id.

GridFS cannot join a transaction, so a file is stored just before its unit of work commits and
deleted again if the commit fails: only committed documents point at a file."""
from __future__ import annotations

import io
import logging
import time
from datetime import datetime, timedelta, timezone

from gridfs import GridFSBucket
from gridfs.errors import NoFile
from pymongo import ASCENDING
from pymongo.database import Database

from jajo.errors import NotFound
from services.activity.events import DocumentSubmitted

BUCKET = "documents"
log = logging.getLogger(__name__)


class DocumentFiles:
    def __init__(self, db: Database):
        self.db = db
        self.bucket = GridFSBucket(db, bucket_name=BUCKET)

    def ensure_indexes(self) -> None:
        self.db[f"{BUCKET}.files"].create_index([("filename", ASCENDING), ("uploadDate", ASCENDING)])
        self.db[f"{BUCKET}.chunks"].create_index([("files_id", ASCENDING), ("n", ASCENDING)], unique=True)

    def put(self, document_id: str, content: bytes, filename: str, content_type: str) -> None:
        self.bucket.upload_from_stream_with_id(
            document_id, filename, io.BytesIO(content), metadata={"contentType": content_type}
        )

    def delete(self, document_id: str) -> None:
        try:
            self.bucket.delete(document_id)
        except NoFile:
            pass

    def read(self, document_id: str) -> bytes:
        try:
            return self.bucket.open_download_stream(document_id).read()
        except NoFile:
            raise NotFound(f"the content of document {document_id} is not stored") from None

    def sweep(self, events, older_than_seconds: float = 3600.0, limit: int = 500) -> int:
        """Delete files older than `older_than_seconds` whose document has no stored event: a file whose
        DocumentSubmitted never committed (the commit's outcome was unknown, or the process died after
        storing it). A document whose event committed always keeps its file."""
        cutoff = datetime.now(timezone.utc) - timedelta(seconds=older_than_seconds)
        files = self.db[f"{BUCKET}.files"].find({"uploadDate": {"$lt": cutoff}}, {"_id": 1}).limit(limit)
        ids = [doc["_id"] for doc in files]
        if not ids:
            return 0
        stored = {doc["subject"] for doc in events.find({"subject": {"$in": ids}, "type": DocumentSubmitted.name},
                                                        {"subject": 1})}
        orphans = [file_id for file_id in ids if file_id not in stored]
        for file_id in orphans:
            self.delete(file_id)
        if orphans:
            log.warning("removed document files whose event never committed", extra={"files": len(orphans)})
        return len(orphans)


class FileSweep:
    """A worker loop: sweeps the document files every `every` seconds."""

    name = "activity-file-sweep"

    def __init__(self, files: DocumentFiles, events, every: float = 300.0, older_than_seconds: float = 3600.0):
        self.files, self.events, self.every, self.older_than = files, events, every, older_than_seconds
        self._last = float("-inf")

    def run_once(self) -> int:
        if time.monotonic() - self._last < self.every:
            return 0
        self._last = time.monotonic()
        self.files.sweep(self.events, self.older_than)
        return 0

    def close(self) -> None:
        pass
