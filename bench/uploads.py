"""A parent's 10 MB photo through the portal to activity over loopback: time, and the peak memory of the
portal's and activity's gunicorn workers before and after (the target: growth of at most about one copy).

Run alone: `.venv/bin/python -m bench.uploads` (its own embedded stack)."""
from __future__ import annotations

import os
import time
from datetime import datetime, timedelta, timezone
import uuid

import requests

from bench.commands import seed
from bench.harness import TOKEN, gunicorn, servers, workdir
from jajo.config import Settings
from jajo.mongo import client_of
from services.activity.views import GROUPS
from services.portal.links import COOKIE, PERSONAL, Links

MB = 1024 * 1024


def _photo(size: int) -> bytes:
    """A JPEG by its bytes (what activity checks) of exactly `size` bytes."""
    return b"\xff\xd8\xff\xe0" + os.urandom(size - 6) + b"\xff\xd9"


def run(settings: Settings, work, size: int = 10 * MB - 4096) -> dict:
    settings = settings.override(db_prefix="b9_", topic_prefix="b9-")
    activity, _ = seed(settings, 1)
    group_id, member_id = _member(activity.db)
    portal_token = f"portal:bench:{uuid.uuid4().hex}"
    act, act_url = gunicorn("activity", settings, work, WEB_CONCURRENCY="1", API_TOKENS=f"staff:bench:{TOKEN},{portal_token}")
    portal, portal_url = gunicorn("portal", settings, work, PORTAL_ACTIVITY_URL=act_url, WEB_CONCURRENCY="1",
                                  API_TOKENS=f"staff:bench:{TOKEN},{portal_token}")
    try:
        links = Links(client_of(settings)[settings.database_name("portal")])
        token, link = links.create(PERSONAL, group_id, 2025, "bench", member_id,
                                   expires_at=datetime.now(timezone.utc) + timedelta(hours=1))  # 2025 is over
        cookie, guardian = links.start_session(link, member_id)
        http = requests.Session()
        http.cookies.set(COOKIE, cookie)

        def upload(data: bytes) -> float:
            started = time.perf_counter()
            answer = http.post(f"{portal_url}/p/documents", headers={"X-CSRF-Token": guardian.csrf,
                               "Idempotency-Key": uuid.uuid4().hex, "Accept": "application/json"},
                               data={"kind": "activity_plan"}, files={"file": ("photo.jpg", data, "image/jpeg")},
                               timeout=120)
            assert answer.status_code == 201, (answer.status_code, answer.text[:300])
            return time.perf_counter() - started

        upload(_photo(100 * 1024))  # wire both workers
        before = {"portal": portal.peak_rss(), "activity": act.peak_rss()}
        seconds = upload(_photo(size))
        after = {"portal": portal.peak_rss(), "activity": act.peak_rss()}
    finally:
        portal.stop()
        act.stop()
    peak = {name: (max(before[name]["children"] or [before[name]["main"]]),
                   max(after[name]["children"] or [after[name]["main"]])) for name in before}
    return {"size_mb": size / MB, "seconds": seconds, "peak": peak}


def _member(db) -> tuple[str, str]:
    """A current member of an approved group, as activity knows it."""
    for group in db[GROUPS].find({"approved": True}):
        for member_id, member in (group.get("members") or {}).items():
            if member.get("joined") and not member.get("left"):
                return group["_id"], member_id
    raise RuntimeError("no member known to activity")


def main() -> None:
    work = workdir()
    with servers() as settings:
        result = run(settings, work)
    growth = {n: a - b for n, (b, a) in result["peak"].items()}
    print(f"| 10 MB upload, phone page → portal → activity (loopback) | {result['seconds']:.2f} s | "
          + " · ".join(f"{n} worker peak {b:.0f} → {a:.0f} MiB (+{growth[n]:.0f})" for n, (b, a) in result["peak"].items())
          + f" | file {result['size_mb']:.1f} MiB |")


if __name__ == "__main__":
    main()
