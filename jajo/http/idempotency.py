"""Idempotency-Key on every POST: the first answer is stored and replayed; no second event is emitted.

The answer is replayed for `Settings.idempotent_answer_seconds` (24 h); after that only its claim is left
(jajo.answers), and a retry with the same request gets `expired_answer`: the first answer's status, its `Location`,
`Idempotent-Replayed: expired` and a problem+json naming the resource it made or changed (read it with a GET).
"""

from __future__ import annotations

import hashlib
import logging
from datetime import datetime, timezone

from flask import Flask, Response, current_app, g, request
from pymongo.errors import DuplicateKeyError, PyMongoError

from jajo.answers import StoredAnswers, outcome_of
from jajo.errors import InProgress, RuleViolation
from jajo.http.auth import current_principal
from jajo.http.problems import problem
from jajo.unit_of_work import IdempotencyClaim, IdempotentReplay

log = logging.getLogger(__name__)
HEADER = "Idempotency-Key"
REPLAYED_HEADERS = ("Content-Type", "Location", "ETag")


def stored_answers() -> StoredAnswers:
    return current_app.extensions["jajo"].wired.answers


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


def expired_answer(outcome: dict) -> Response:
    """A retry after the replay window: the request was carried out, its answer is no longer kept."""
    resource = outcome["headers"].get("Location") or outcome.get("resource")
    hours = stored_answers().window_seconds / 3600
    detail = f"this request was carried out; its answer was kept for {hours:g} h and is no longer stored" + (
        f": read {resource}" if resource else ""
    )
    headers = {"Idempotent-Replayed": "expired", **outcome["headers"]}
    return problem(outcome["status"], "Answer expired", detail, slug="answer-expired", headers=headers)


def answer_of(response: Response) -> dict:
    """What a retry with the same key gets back."""
    return {
        "status": response.status_code,
        "body": response.get_data(),
        "headers": {name: response.headers[name] for name in REPLAYED_HEADERS if name in response.headers},
    }


def answer_from(stored: dict, fingerprint: str) -> Response:
    """The answer to a retry, from its claim: 422 for another request, 409 while the first is running, the first
    answer within its window, `expired_answer` after it."""
    if stored["fingerprint"] != fingerprint:
        raise RuleViolation(f"{HEADER} was already used with a different request")
    if stored.get("response") is None:  # its first request has not committed yet (a claim always has its answer)
        raise InProgress(f"a request with this {HEADER} is still being processed", retry_after=1)
    answer = stored_answers().replayable(stored["_id"])
    return replay(answer) if answer is not None else expired_answer(stored["response"])


def _before() -> Response | None:
    key = request.headers.get(HEADER)
    if request.method != "POST" or key is None or g.get("principal") is None:
        return None
    if not 1 <= len(key) <= 255:
        raise RuleViolation(f"{HEADER} must be 1 to 255 characters")
    claim = IdempotencyClaim(_scoped_key(key), _fingerprint())
    stored = stored_answers().claims.find_one({"_id": claim.key})
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
    answer, answers = answer_of(response), stored_answers()
    try:
        answers.claims.insert_one(
            {**claim.document(), "response": outcome_of(answer), "at": datetime.now(timezone.utc)}
        )
        answers.store(claim.key, answer)  # lost after its claim was stored: a retry gets expired_answer
    except DuplicateKeyError:
        pass
    except PyMongoError as exc:  # nothing else was stored: a retry runs it again
        log.warning("idempotent answer not stored", extra={"error": type(exc).__name__})
    return response


def _on_race(_: IdempotentReplay) -> Response:
    """Another request with the same key claimed it inside its transaction first."""
    claim: IdempotencyClaim = g.idempotency_claim
    g.idempotency_claim = None
    stored = stored_answers().claims.find_one({"_id": claim.key}) or {"fingerprint": claim.fingerprint}
    return answer_from(stored, claim.fingerprint)


def init_idempotency(app: Flask) -> None:
    app.before_request(_before)
    app.after_request(_after)
    app.register_error_handler(IdempotentReplay, _on_race)
