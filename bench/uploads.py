"""A parent's photo (2 MB and 10 MB) through the portal to activity over loopback: time, and how much the peak
memory (VmHWM) of the portal's and activity's gunicorn workers grows (the target: at most one copy of the file,
and no growth with the file's size beyond that).

Run alone: `.venv/bin/python -m bench.uploads` (its own embedded stack); also part of `make bench`."""

from __future__ import annotations

import os
import shutil
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


SIZES = (2 * MB, 10 * MB - 4096)  # the largest a phone may send is 10 MB with its multipart framing


def run(settings: Settings, work, sizes: tuple[int, ...] = SIZES) -> dict:
    """Each size on freshly started workers (peak RSS only grows): warmed by a 100 KB upload, then one upload."""
    settings = settings.override(db_prefix="b9_", topic_prefix="b9-")
    activity, _ = seed(settings, 1)
    group_id, member_id = _member(activity.db)
    results = [_one(settings, work, group_id, member_id, size) for size in sizes]
    return {"cases": results}


def _one(settings: Settings, work, group_id: str, member_id: str, size: int) -> dict:
    portal_token = f"portal:bench:{uuid.uuid4().hex}"
    tokens = f"staff:bench:{TOKEN},{portal_token}"
    act, act_url = gunicorn("activity", settings, work, WEB_CONCURRENCY="1", API_TOKENS=tokens)
    portal, portal_url = gunicorn(
        "portal", settings, work, PORTAL_ACTIVITY_URL=act_url, WEB_CONCURRENCY="1", API_TOKENS=tokens
    )
    try:
        links = Links(client_of(settings)[settings.database_name("portal")])
        token, link = links.create(
            PERSONAL, group_id, 2025, "bench", member_id, expires_at=datetime.now(timezone.utc) + timedelta(hours=1)
        )  # 2025 is over
        cookie, guardian = links.start_session(link, member_id)
        http = requests.Session()
        http.cookies.set(COOKIE, cookie)

        def upload(data: bytes) -> float:
            started = time.perf_counter()
            answer = http.post(
                f"{portal_url}/p/documents",
                headers={
                    "X-CSRF-Token": guardian.csrf,
                    "Idempotency-Key": uuid.uuid4().hex,
                    "Accept": "application/json",
                },
                data={"kind": "activity_plan"},
                files={"file": ("photo.jpg", data, "image/jpeg")},
                timeout=120,
            )
            assert answer.status_code == 201, (answer.status_code, answer.text[:300])
            return time.perf_counter() - started

        upload(_photo(100 * 1024))  # wire both workers
        before = {"portal": _worker_peak(portal), "activity": _worker_peak(act)}
        seconds = upload(_photo(size))
        after = {"portal": _worker_peak(portal), "activity": _worker_peak(act)}
    finally:
        portal.stop()
        act.stop()
    return {
        "size_mb": size / MB,
        "seconds": seconds,
        "growth": {name: after[name] - before[name] for name in before},
        "after": after,
    }


def _worker_peak(process) -> float:
    rss = process.peak_rss()
    return max(rss["children"] or [rss["main"]])


def _member(db) -> tuple[str, str]:
    """A current member of an approved group, as activity knows it."""
    for group in db[GROUPS].find({"approved": True}):
        for member_id, member in (group.get("members") or {}).items():
            if member.get("joined") and not member.get("left"):
                return group["_id"], member_id
    raise RuntimeError("no member known to activity")


def rows(result: dict) -> list[tuple[str, ...]]:
    """Rows of docs/benchmarks.md's table: each size's time and growth of each worker's peak RSS, then the slope
    (extra MiB of peak per extra MiB of file, between the smallest and the largest size: 1.00 = one more copy)."""
    cases = result["cases"]
    out: list[tuple[str, ...]] = []
    for case in cases:
        growth = case["growth"]
        out.append(
            (
                f"{case['size_mb']:.0f} MB upload, phone page → portal → activity (loopback)",
                f"{case['seconds']:.2f} s; worker peak RSS +{growth['portal']:.0f} MiB portal, "
                f"+{growth['activity']:.0f} MiB activity (peaks {case['after']['portal']:.0f} / "
                f"{case['after']['activity']:.0f} MiB)",
                "—",
                "—",
                "stated",
                "",
            )
        )
    small, large = cases[0], cases[-1]
    extra = large["size_mb"] - small["size_mb"]
    slope = {name: (large["growth"][name] - small["growth"][name]) / extra for name in large["growth"]}
    worst = max(slope.values())
    out.append(
        (
            f"upload memory: growth with the file's size ({small['size_mb']:.0f} → {large['size_mb']:.0f} MB)",
            f"portal {slope['portal']:.2f}, activity {slope['activity']:.2f} MiB per MiB",
            "—",
            f"{worst:.2f}",
            "≤ 1 (one copy)",
            "yes" if worst <= 1 else "no",
        )
    )
    return out


def main() -> None:
    work = workdir()
    with servers() as settings:
        result = run(settings, work)
    shutil.rmtree(work, ignore_errors=True)
    print("| # measure | Jajo | bare limit | ratio | target | met |\n| --- | --- | --- | --- | --- | --- |")
    for row in rows(result):
        print("| " + " | ".join(row) + " |")


if __name__ == "__main__":
    main()
