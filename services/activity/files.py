"""Document contents in MongoDB GridFS (bucket `documents`), keyed by document id.

GridFS cannot join a transaction, so a file is stored just before its unit of work commits and
deleted again if the commit fails: only committed documents point at a file.

A file is written in GridFS's layout by this module, chunk by chunk from the upload's stream and hashed on the
way, so that memory holds a few chunks whatever the file's size: pymongo's own writer (4.9+) buffers a whole
file of up to 48 MB and encodes it into one message, about three copies of it."""

from __future__ import annotations

import hashlib
import logging
import time
from datetime import datetime, timedelta, timezone
from typing import BinaryIO, Iterator

from bson import Binary
from gridfs import GridFSBucket
from gridfs.errors import NoFile
from pymongo import ASCENDING
from pymongo.database import Database

from jajo.errors import NotFound
from services.activity.domain import HEAD_BYTES, StoredFile
from services.activity.events import DocumentSubmitted

BUCKET = "documents"
CHUNK_BYTES = 255 * 1024  # GridFS's default chunk size
CHUNKS_PER_INSERT = 4  # about 1 MB per insert_many
log = logging.getLogger(__name__)


class DocumentFiles:
    def __init__(self, db: Database):
        self.db = db
        self.bucket = GridFSBucket(db, bucket_name=BUCKET)

    def ensure_indexes(self) -> None:
        self.db[f"{BUCKET}.files"].create_index([("filename", ASCENDING), ("uploadDate", ASCENDING)])
        self.db[f"{BUCKET}.chunks"].create_index([("files_id", ASCENDING), ("n", ASCENDING)], unique=True)

    def put(self, document_id: str, stream: BinaryIO, filename: str, content_type: str) -> StoredFile:
        """Store the stream from its start; the file document last, so a reader never sees part of a file."""
        stream.seek(0)
        digest, size, head, batch = hashlib.sha256(), 0, b"", []
        try:
            for n, chunk in enumerate(_chunks(stream)):
                head = chunk[:HEAD_BYTES] if n == 0 else head
                digest.update(chunk)
                size += len(chunk)
                batch.append({"files_id": document_id, "n": n, "data": Binary(chunk)})
                if len(batch) == CHUNKS_PER_INSERT:
                    self.db[f"{BUCKET}.chunks"].insert_many(batch)
                    batch = []
            if batch:
                self.db[f"{BUCKET}.chunks"].insert_many(batch)
            self.db[f"{BUCKET}.files"].insert_one(
                {
                    "_id": document_id,
                    "length": size,
                    "chunkSize": CHUNK_BYTES,
                    "filename": filename,
                    "uploadDate": _now_ms(),
                    "metadata": {"contentType": content_type},
                }
            )
        except BaseException:
            self.delete(document_id)
            raise
        return StoredFile(head, size, digest.hexdigest())

    def delete(self, document_id: str) -> None:
        try:
            self.bucket.delete(document_id)
        except NoFile:
            pass

    def read(self, document_id: str) -> bytes:
        try:
            return self.bucket.open_download_stream(document_id).read()
        except NoFile:
            raise NotFound(
                f"the content of document {document_id} is not stored (deleted with an erasure, or never stored)"
            ) from None

    def sweep(self, events, older_than_seconds: float = 3600.0, limit: int = 500) -> int:
        """Delete files older than `older_than_seconds` whose document has no stored event: a file whose
        DocumentSubmitted never committed (the commit's outcome was unknown, or the process died after
        storing it). A document whose event committed always keeps its file."""
        cutoff = datetime.now(timezone.utc) - timedelta(seconds=older_than_seconds)
        files = self.db[f"{BUCKET}.files"].find({"uploadDate": {"$lt": cutoff}}, {"_id": 1}).limit(limit)
        ids = [doc["_id"] for doc in files]
        if not ids:
            return 0
        stored = {
            doc["subject"]
            for doc in events.find({"subject": {"$in": ids}, "type": DocumentSubmitted.name}, {"subject": 1})
        }
        orphans = [file_id for file_id in ids if file_id not in stored]
        for file_id in orphans:
            self.delete(file_id)
        if orphans:
            log.warning("removed document files whose event never committed", extra={"files": len(orphans)})
        return len(orphans)


def peek(stream: BinaryIO) -> tuple[bytes, int]:
    """The first bytes and the size of a seekable stream, read without reading it."""
    stream.seek(0)
    head = stream.read(HEAD_BYTES)
    size = stream.seek(0, 2)
    stream.seek(0)
    return head, size


def _chunks(stream: BinaryIO) -> Iterator[bytes]:
    """Full chunks of CHUNK_BYTES (GridFS requires every chunk but the last to be full), then the rest."""
    pending = b""
    while True:
        part = stream.read(CHUNK_BYTES - len(pending))
        if not part:
            break
        pending += part
        if len(pending) == CHUNK_BYTES:
            yield pending
            pending = b""
    if pending:
        yield pending


def _now_ms() -> datetime:
    """Now, to the millisecond BSON stores."""
    now = datetime.now(timezone.utc)
    return now.replace(microsecond=now.microsecond // 1000 * 1000)


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
