"""The base of every API client: the portal's bearer token, `X-Jajo-Actor` (the signed-in person),
`Idempotency-Key` on POSTs, and service problems (RFC 9457) raised as `ApiError` with Korean messages."""

from __future__ import annotations

import threading
import time
from typing import Any

import requests
from flask import current_app, g

from services.portal.messages import korean_errors, korean_problem

_local = threading.local()


def _http() -> requests.Session:
    """One connection pool per thread (gunicorn gthread workers)."""
    if not hasattr(_local, "session"):
        _local.session = requests.Session()
    return _local.session


class ApiError(Exception):
    def __init__(self, status: int, problem: dict):
        self.status, self.problem = status, problem
        self.errors: dict[str, list[str]] = korean_errors(problem.get("errors") or {})
        self.message = korean_problem(status, problem)
        super().__init__(f"{status} {problem.get('title', '')}")


class ServiceUnavailable(ApiError):
    def __init__(self, service: str):
        super().__init__(503, {"title": "Service unavailable", "detail": f"{service} did not answer"})


WAIT_FOR_RETRY_AFTER = 6.0  # seconds a person waits, at most, while a service catches up (409 + Retry-After)


def _retry_after(response: requests.Response) -> float | None:
    if response.status_code not in (409, 503) or "Retry-After" not in response.headers:
        return None
    try:
        return min(max(float(response.headers["Retry-After"]), 0.1), 1.0)
    except ValueError:
        return None


class ApiClient:
    def __init__(self, service: str, base_url: str, token: str, actor: str | None, timeout: float = 15.0):
        self.service, self.base_url, self.timeout = service, base_url.rstrip("/"), timeout
        self.headers = {"Authorization": f"Bearer {token}", "Accept": "application/json"}
        if actor:
            self.headers["X-Jajo-Actor"] = actor

    def request(
        self,
        method: str,
        path: str,
        *,
        idempotency_key: str | None = None,
        if_match: int | None = None,
        stream: bool = False,
        **kwargs,
    ) -> requests.Response:
        headers = dict(self.headers)
        if idempotency_key:
            headers["Idempotency-Key"] = idempotency_key
        if if_match is not None:
            headers["If-Match"] = str(if_match)
        if g.get("correlation_id"):
            headers["X-Correlation-ID"] = g.correlation_id
        deadline = time.monotonic() + WAIT_FOR_RETRY_AFTER
        while True:
            try:
                response = _http().request(
                    method,
                    f"{self.base_url}/api/v1{path}",
                    headers=headers,
                    timeout=self.timeout,
                    stream=stream,
                    **kwargs,
                )
            except requests.RequestException:
                raise ServiceUnavailable(self.service) from None
            wait = _retry_after(response)
            if wait is None or time.monotonic() + wait > deadline or "files" in kwargs:
                break
            time.sleep(wait)  # the service asked: e.g. activity has not seen the group's approval yet
        if response.status_code >= 400:
            try:
                problem = response.json()
            except ValueError:
                problem = {"title": response.reason or "Error", "detail": response.text[:200]}
            raise ApiError(response.status_code, problem if isinstance(problem, dict) else {})
        return response

    def get(self, path: str, **params) -> Any:
        clean = {key: value for key, value in params.items() if value not in (None, "")}
        return self.request("GET", path, params=clean).json()

    def get_or_none(self, path: str, absent: tuple[int, ...], **params) -> Any:
        """`get`, or None when the service answers one of the `absent` statuses (not there, not known yet)."""
        try:
            return self.get(path, **params)
        except ApiError as error:
            if error.status in absent:
                return None
            raise

    def post(self, path: str, body: dict | None = None, *, key: str | None = None, **kwargs) -> Any:
        if body is not None:
            kwargs["json"] = body
        return self.request("POST", path, idempotency_key=key, **kwargs).json()

    def delete(self, path: str, *, key: str | None = None) -> Any:
        return self.request("DELETE", path, idempotency_key=key).json()


def client(service: str, actor: str | None = "") -> ApiClient:
    """An API client for `service` acting as the signed-in person (`g.account`), as `actor` when given, or as
    the portal itself (`actor=None`: reads only)."""
    settings = current_app.extensions["portal"].settings
    account = g.get("account")
    if actor == "":
        actor = account.actor if account else None
    actor = actor if settings.names_the_person else None
    return ApiClient(service, settings.service_urls[service], settings.api_token, actor, settings.api_timeout)


class ResourceClient:
    """Subclass per resource with `service = "<name>"`; `self.api` is the acting person's ApiClient."""

    service = ""

    def __init__(self, api: ApiClient | None = None):
        self.api = api or client(self.service)
