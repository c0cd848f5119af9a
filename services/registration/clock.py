""" "Today" for registration rules (join and leave dates): the center's calendar day in Seoul; injectable in tests."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from typing import Callable

Clock = Callable[[], date]
SEOUL = timezone(timedelta(hours=9), "Asia/Seoul")  # Korea keeps no daylight saving time


def seoul_today() -> date:
    return datetime.now(SEOUL).date()
