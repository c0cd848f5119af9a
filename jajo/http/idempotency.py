"""Idempotency-Key on every POST: the first answer is stored and replayed; no second event is emitted."""

from __future__ import annotations

import hashlib
import logging
from datetime import datetime, timezone

from flask import Flask, Response, current_app, g, request
from pymongo.database import Database
from pymongo.errors import DuplicateKeyError, PyMongoError

from jajo.errors import InProgress, RuleViolation
from jajo.http.auth import current_principal
from jajo.unit_of_work import IdempotencyClaim, IdempotentReplay

log = logging.getLogger(__name__)
HEADER = "Idempotency-Key"
REPLAYED_HEADERS = ("Content-Type", "Location", "ETag")


def _database() -> Database:
    return current_app.extensions["jajo"].database()


def _fingerprint() -> str:
    digest = hashlib.sha256()
    for part in (request.method.encode(), request.path.encode(), request.query_string, _body_digest()):
        digest.update(part + b"\0")
    return digest.hexdigest()


def _body_digest() -> bytes:
    """The body as sent; a multipart body by its parts, since a retry may choose another boundary."""
    if request.mimetype != "multipart/form-data":
        return request.get_data(cache=True)
    digest = hashlib.sha256()
    for name, value in sorted(request.form.items(multi=True)):
        digest.update(f"form\0{name}\0{value}\0".encode())
    for name, upload in sorted(request.files.items(multi=True), key=lambda item: item[0]):
        digest.update(f"file\0{name}\0{upload.filename}\0".encode())
        for chunk in iter(lambda: upload.stream.read(1 << 16), b""):
            digest.update(chunk)
        upload.stream.seek(0)
    return digest.digest()


def _scoped_key(key: str) -> str:
    principal = current_principal()
    return f"{principal.actor if principal else '-'}|{key}"


def replay(answer: dict) -> Response:
    response = Response(answer["body"], status=answer["status"])
    for name, value in answer["headers"].items():
        response.headers[name] = value
    response.headers["Idempotent-Replayed"] = "true"
    return response


def answer_of(response: Response) -> dict:
    """What a retry with the same key gets back."""
    return {
        "status": response.status_code,
        "body": response.get_data(),
        "headers": {name: response.headers[name] for name in REPLAYED_HEADERS if name in response.headers},
    }


def answer_from(stored: dict, fingerprint: str) -> Response:
    if stored["fingerprint"] != fingerprint:
        raise RuleViolation(f"{HEADER} was already used with a different request")
    if stored.get("response") is None:  # its first request has not committed yet (a claim always has its answer)
        raise InProgress(f"a request with this {HEADER} is still being processed", retry_after=1)
    return replay(stored["response"])


def _before() -> Response | None:
    key = request.headers.get(HEADER)
    if request.method != "POST" or key is None or g.get("principal") is None:
        return None
    if not 1 <= len(key) <= 255:
        raise RuleViolation(f"{HEADER} must be 1 to 255 characters")
    claim = IdempotencyClaim(_scoped_key(key), _fingerprint())
    stored = _database()["idempotency"].find_one({"_id": claim.key})
    if stored is not None:
        return answer_from(stored, claim.fingerprint)
    g.idempotency_claim = claim
    return None


def _after(response: Response) -> Response:
    """A POST that stored nothing through a unit of work (an admin action): its answer is claimed here. A unit of
    work's answer was stored with its claim inside its transaction (jajo.http.commit)."""
    claim: IdempotencyClaim | None = g.get("idempotency_claim")
    if claim is None or g.get("answer_stored") or response.status_code >= 400 or response.is_streamed:
        return response
    try:
        _database()["idempotency"].insert_one(
            {**claim.document(), "response": answer_of(response), "at": datetime.now(timezone.utc)}
        )
    except DuplicateKeyError:
        pass
    except PyMongoError as exc:  # nothing else was stored: a retry runs it again
        log.warning("idempotent answer not stored", extra={"error": type(exc).__name__})
    return response


def _on_race(_: IdempotentReplay) -> Response:
    """Another request with the same key claimed it inside its transaction first."""
    claim: IdempotencyClaim = g.idempotency_claim
    g.idempotency_claim = None
    stored = _database()["idempotency"].find_one({"_id": claim.key}) or {"fingerprint": claim.fingerprint}
    return answer_from(stored, claim.fingerprint)


def init_idempotency(app: Flask) -> None:
    app.before_request(_before)
    app.after_request(_after)
    app.register_error_handler(IdempotentReplay, _on_race)
