"""Document contents in MongoDB GridFS (bucket `documents`), keyed by document id.

GridFS cannot join a transaction, so a file is stored just before its unit of work commits and
deleted again if the commit fails: only committed documents point at a file."""
from __future__ import annotations

import io

from gridfs import GridFSBucket
from gridfs.errors import NoFile
from pymongo import ASCENDING
from pymongo.database import Database

from jajo.errors import NotFound

BUCKET = "documents"


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
