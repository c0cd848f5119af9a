"""The demo's HTTP client of the public APIs: retries what the contract says to retry, and waits until the
report includes everything written."""

from __future__ import annotations

import os
import sys
import time

import requests


class Api:
    def __init__(self, base: str, token: str, run: str, timeout: float = 60.0):
        self.base = base.rstrip("/")
        self.http = requests.Session()
        self.http.headers["Authorization"] = f"Bearer {token}"
        self.run = run
        self.timeout = timeout

    def call(self, method: str, path: str, key: str | None = None, **kwargs) -> dict:
        """Retries what the contract says to retry: 409 with Retry-After, 503, a refused connection."""
        headers = {"Idempotency-Key": f"demo-{self.run}-{key}"} if key else {}
        deadline = time.monotonic() + self.timeout
        while True:
            try:
                response = self.http.request(method, f"{self.base}/api/v1{path}", headers=headers, timeout=30, **kwargs)
            except requests.ConnectionError:
                response = None
            retry = (
                response is None
                or response.status_code == 503
                or (response.status_code == 409 and "Retry-After" in response.headers)
            )
            if not retry and response is not None:
                if response.status_code >= 400:
                    raise SystemExit(f"{method} {path} → {response.status_code}: {response.text[:500]}")
                return response.json()
            if time.monotonic() > deadline:
                raise SystemExit(f"{method} {path} kept answering {response and response.status_code}")
            wait = float(response.headers.get("Retry-After", 0.2)) if response is not None else 0.5
            time.sleep(min(max(wait, 0.05), 1.0))

    def post(self, path: str, key: str, **kwargs) -> dict:
        return self.call("POST", path, key, **kwargs)

    def get(self, path: str) -> dict:
        return self.call("GET", path)


def pending(api: Api) -> int:
    response = api.http.get(f"{api.base}/api/v1/outbox", timeout=30)
    if response.status_code == 404:
        print(f"warning: {api.base} has no /api/v1/outbox; not waiting for it", file=sys.stderr)
        return 0
    response.raise_for_status()
    return response.json()["pending"]


def wait_until_caught_up(writers: list[Api], reporting: Api, timeout: float = 300.0) -> None:
    """`pending == 0` on every write service, then `lag == 0`: the report includes everything written."""
    deadline = time.monotonic() + timeout
    while any([pending(api) for api in writers]):
        if time.monotonic() > deadline:
            raise SystemExit("outboxes did not drain")
        time.sleep(0.2)
    while reporting.get("/projections/status")["lag"]:
        if time.monotonic() > deadline:
            raise SystemExit("the projector did not catch up")
        time.sleep(0.2)


def staff_token(spec: str) -> str | None:
    """The first staff token of an API_TOKENS value (`role:token` or `role:name:token`, comma separated)."""
    for entry in filter(None, (part.strip() for part in spec.split(","))):
        parts = entry.split(":")
        if parts[0] == "staff" and len(parts) in (2, 3):
            return parts[-1]
    return None


def default_token() -> str | None:
    """JAJO_TOKEN, else the staff token of API_TOKENS, else the one the embedded stack saved on `make up`."""
    if os.environ.get("JAJO_TOKEN"):
        return os.environ["JAJO_TOKEN"]
    if os.environ.get("API_TOKENS"):
        return staff_token(os.environ["API_TOKENS"])
    try:
        from jajo.stack import Layout
    except ImportError:
        return None
    saved = Layout.from_env().root / "tokens"
    return staff_token(saved.read_text()) if saved.exists() else None


def default_url(service: str, port: int) -> str:
    return f"http://127.0.0.1:{os.environ.get(f'{service.upper()}_PORT', port)}"
