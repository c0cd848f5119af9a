"""A request's commit (issue 14): the unit of work's transaction stays open while the view builds its answer; the
idempotency claim, with the answer's outcome, and the answer beside it (jajo.answers) are written in that same
transaction, and only then does it commit.

So a 2xx always means committed events, and a retry with the key, in any process, replays the answer the first try
gave. A commit whose outcome stayed unknown (MongoDB went away during commitTransaction) is settled by ending the
transaction on the server and reading back what it wrote: committed, the answer goes out; not committed, the command
runs again; MongoDB still away, 503 (the retry finds the claim, or runs afresh).
"""

from __future__ import annotations

import time
from typing import Callable

from flask import Response, g
from pymongo.errors import ConnectionFailure, PyMongoError

from jajo.errors import ConcurrencyConflict, Unavailable
from jajo.answers import outcome_of
from jajo.http.idempotency import answer_from, answer_of, stored_answers
from jajo.mongo import CommitOutcomeUnknown, is_transient
from jajo.unit_of_work import HeldCommit

ATTEMPTS = 5  # runs of a command whose transaction failed at its commit (a conflict there, or never committed)
SETTLE_SECONDS = 5.0


def held_commit() -> HeldCommit | None:
    """The current request's, for `dispatch`: its unit of work writes into it instead of committing."""
    return g.get("held_commit")


def committed_view(view: Callable[[], Response]) -> Response:
    """Run the view; if it wrote a unit of work, store its answer with the claim and commit, running the view
    again while the transaction did not commit."""
    for _ in range(ATTEMPTS):
        g.held_commit = held = HeldCommit()
        try:
            response = view()
        except BaseException:
            if held.transaction is not None:
                held.transaction.abort()
            raise
        finally:
            g.held_commit = None
        if held.transaction is None:
            return response  # nothing written through a unit of work
        finished = _finish(held, response)
        if finished is not None:
            g.answer_stored = True
            return finished
    raise ConcurrencyConflict()


def _finish(held: HeldCommit, response: Response) -> Response | None:
    """The answer, once committed with the claim; None if the transaction did not commit."""
    etag_from_version(response)
    answer = answer_of(response)
    claim = g.get("idempotency_claim")
    transaction = held.transaction
    assert transaction is not None  # committed_view finishes only a request that holds one
    try:
        if claim is not None:
            answers = stored_answers()
            outcome, stored = outcome_of(answer), answers.document(claim.key, answer)
            claim.insert(answers.db, transaction.session, outcome, stored, begun=held.wrote_events)
        transaction.commit()
        held.committed()
        return response
    except CommitOutcomeUnknown:
        return _settle(held, answer, response)
    except ConnectionFailure as exc:  # before commitTransaction was sent: nothing committed
        transaction.abort()
        raise Unavailable() from exc
    except PyMongoError as exc:
        transaction.abort()
        if is_transient(exc):
            return None
        raise
    except BaseException:  # e.g. an answer BSON cannot hold: nothing committed
        transaction.abort()
        raise


def _settle(held: HeldCommit, answer: dict, response: Response) -> Response | None:
    claim = g.get("idempotency_claim")
    transaction, committed_after_all = held.transaction, held.committed_after_all
    assert transaction is not None and committed_after_all is not None
    deadline = time.monotonic() + SETTLE_SECONDS
    while True:
        try:
            transaction.forget()
            if claim is None:
                if not committed_after_all():
                    return None
            else:
                stored = stored_answers().claims.find_one({"_id": claim.key})
                if stored is None:
                    return None
                if stored["response"] != outcome_of(answer):  # (never seen, but possible) another request's won
                    return answer_from(stored, claim.fingerprint)
            held.committed()  # ours committed after all
            return response
        except PyMongoError:
            if time.monotonic() > deadline:
                raise CommitOutcomeUnknown() from None
            time.sleep(0.2)


def etag_from_version(response: Response) -> Response:
    if response.mimetype == "application/json" and not response.is_streamed and "ETag" not in response.headers:
        body = response.get_json(silent=True)
        if isinstance(body, dict) and isinstance(body.get("version"), int):
            response.headers["ETag"] = f'"{body["version"]}"'
    return response
