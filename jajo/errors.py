"""Domain and application errors; the HTTP layer maps each to a problem+json status."""

from __future__ import annotations


class JajoError(Exception):
    status = 400
    title = "Bad request"
    slug = "bad-request"

    def __init__(self, detail: str, *, errors: dict | None = None, retry_after: int | None = None):
        super().__init__(detail)
        self.detail = detail
        self.errors = errors
        self.retry_after = retry_after


class NotFound(JajoError):
    status, title, slug = 404, "Not found", "not-found"


class Conflict(JajoError):
    """The command clashes with the current state (closed group, slot taken, duplicate)."""

    status, title, slug = 409, "Conflict", "conflict"


class NotYetKnown(Conflict):
    """A referenced aggregate of another service has not reached this one yet: retry soon."""

    title, slug = "Not known yet", "not-known-yet"

    def __init__(self, detail: str, *, retry_after: int = 1):
        super().__init__(detail, retry_after=retry_after)


class InProgress(Conflict):
    """The first request with this Idempotency-Key has not committed yet: retry with the key soon."""

    title, slug = "Request in progress", "request-in-progress"


class RuleViolation(JajoError):
    """The command is well-formed but breaks a business rule."""

    status, title, slug = 422, "Business rule violated", "rule-violation"


class PreconditionFailed(JajoError):
    status, title, slug = 412, "Precondition failed", "precondition-failed"


class ConcurrencyConflict(JajoError):
    """Another writer appended the same aggregate version first; the command may be retried."""

    status, title, slug = 409, "Concurrent modification", "concurrency-conflict"

    def __init__(self, detail: str = "the resource was modified concurrently, retry"):
        super().__init__(detail, retry_after=1)


class Unavailable(JajoError):
    status, title, slug = 503, "Service unavailable", "unavailable"

    def __init__(self, detail: str = "a backing store is unavailable, retry later"):
        super().__init__(detail, retry_after=2)


class Forbidden(JajoError):
    """The caller is known but may not do this (its role, or the person it acts for)."""

    status, title, slug = 403, "Forbidden", "forbidden"
