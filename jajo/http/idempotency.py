"""Idempotency-Key on every POST: the first answer is stored and replayed; no second event is emitted."""
from __future__ import annotations

import hashlib
import logging
import threading
import time
from datetime import datetime, timezone

from flask import Flask, Response, current_app, g, request
from pymongo.database import Database
from pymongo.errors import DuplicateKeyError, PyMongoError

from jajo.errors import Conflict, RuleViolation
from jajo.http.auth import current_principal
from jajo.http.problems import PROBLEM_JSON, problem_body
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


def _answer_from(stored: dict, fingerprint: str) -> Response:
    if stored["fingerprint"] != fingerprint:
        raise RuleViolation(f"{HEADER} was already used with a different request")
    answer = stored.get("response") or _unsaved().answers.get(stored["_id"])
    if answer is None:
        raise Conflict(f"a request with this {HEADER} is still being processed", retry_after=1)
    return replay(answer)


class UnsavedAnswers:
    """Answers of committed commands that MongoDB was not there to store (it went away after the commit):
    kept by this process, replayed to a retry it receives, and stored at its next request."""

    def __init__(self):
        self.answers: dict[str, dict] = {}
        self.lock = threading.Lock()

    def keep(self, key: str, answer: dict) -> None:
        with self.lock:
            self.answers[key] = answer

    def store(self, collection) -> None:
        with self.lock:
            for key, answer in list(self.answers.items()):
                collection.update_one({"_id": key}, {"$set": {"response": answer}})
                del self.answers[key]


def _unsaved() -> UnsavedAnswers:
    return current_app.extensions["jajo_unsaved_answers"]


def _store_unsaved() -> None:
    if _unsaved().answers:
        try:
            _unsaved().store(_database()["idempotency"])
        except PyMongoError:
            pass  # still away: kept for the next request


def _before() -> Response | None:
    key = request.headers.get(HEADER)
    if request.method != "POST" or key is None or g.get("principal") is None:
        return None
    if not 1 <= len(key) <= 255:
        raise RuleViolation(f"{HEADER} must be 1 to 255 characters")
    claim = IdempotencyClaim(_scoped_key(key), _fingerprint())
    _store_unsaved()
    stored = _database()["idempotency"].find_one({"_id": claim.key})
    if stored is not None:
        return _answer_from(stored, claim.fingerprint)
    g.idempotency_claim = claim
    return None


def _after(response: Response) -> Response:
    claim: IdempotencyClaim | None = g.get("idempotency_claim")
    if claim is None or response.status_code >= 400 or response.is_streamed:
        return response
    answer = {
        "status": response.status_code,
        "body": response.get_data(),
        "headers": {name: response.headers[name] for name in REPLAYED_HEADERS if name in response.headers},
    }
    collection = _database()["idempotency"]
    if claim.outcome_unknown:
        return _settle(claim, answer, response, collection)
    try:
        if claim.committed:
            collection.update_one({"_id": claim.key}, {"$set": {"response": answer}})
        else:  # a POST that stored nothing through a unit of work (an admin action, a no-op command)
            try:
                collection.insert_one({**claim.document(), "response": answer, "at": datetime.now(timezone.utc)})
            except DuplicateKeyError:
                pass
    except PyMongoError as exc:
        # The command is committed (its claim with it): answer it, and keep the answer for a retry.
        log.warning("idempotent answer not stored yet", extra={"error": type(exc).__name__})
        _unsaved().keep(claim.key, answer)
    return response


def _settle(claim: IdempotencyClaim, answer: dict, response: Response, collection,
            deadline_seconds: float = 5.0) -> Response:
    """A command whose commit outcome was unknown: its claim document, written in the same transaction, says
    whether it committed. Committed: store the answer with the claim and give the real answer. Not committed:
    503 (a retry with the key runs it afresh). MongoDB still away: keep the answer for a retry, and 503."""
    deadline = time.monotonic() + deadline_seconds
    while True:
        try:
            stored = collection.update_one({"_id": claim.key}, {"$set": {"response": answer}})
            if stored.matched_count == 1:
                return response
            break  # no claim: the transaction did not commit
        except PyMongoError:
            if time.monotonic() > deadline:
                _unsaved().keep(claim.key, answer)  # replayed to a retry if the claim turns out to be there
                break
            time.sleep(0.2)
    body = problem_body(503, "Service unavailable", "the database did not confirm the commit; retry with the "
                        "same Idempotency-Key", slug="unavailable")
    response.status_code = 503
    response.set_data(body)
    response.mimetype = PROBLEM_JSON
    response.headers["Retry-After"] = "1"
    for name in ("Location", "ETag"):
        response.headers.pop(name, None)
    return response


def _on_race(_: IdempotentReplay) -> Response:
    claim: IdempotencyClaim = g.idempotency_claim
    g.idempotency_claim = None
    stored = _database()["idempotency"].find_one({"_id": claim.key}) or {"fingerprint": claim.fingerprint}
    return _answer_from(stored, claim.fingerprint)


def init_idempotency(app: Flask) -> None:
    app.extensions["jajo_unsaved_answers"] = UnsavedAnswers()
    app.before_request(_before)
    app.after_request(_after)
    app.register_error_handler(IdempotentReplay, _on_race)
