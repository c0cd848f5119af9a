"""Retention of personal data (개인정보 보유기간, 개인정보 보호법 제21조): members' data is erased when its period ends.

A group of program year Y keeps its members' personal data until 31 December Y + `retention_years` (jajo/center.toml,
`[privacy]`); from 1 January after that (Seoul), once the group is closed, every member not yet erased, current or
left, is due (`Group.due_for_erasure`). The candidates come from `group_views` (closed groups of years up to
`CENTER.last_expired_year(today)`), each group is then read from its events to see every member it ever had, and
each due member is erased through the command bus: one `EraseMember` per member, actor `system`, reason `REASON`.

A repeat is harmless: an erased member is no longer due, and erasing one again records nothing; two sweeps at once
race on the group's version, and the loser's retry finds the member erased. Logs carry ids only.

`python -m services.registration.cli retention --dry-run` (`make retention-due`) lists what is due (ids and years,
never names); without `--dry-run` it erases them now. The registration worker runs the same sweep on start and then every
`JAJO_RETENTION_INTERVAL_SECONDS` (a day).
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from datetime import date
from typing import Callable

from jajo.center import CENTER, Center
from jajo.commands import CommandBus
from jajo.envelope import Context
from services.registration.clock import Clock, seoul_today
from services.registration.commands import EraseMember
from services.registration.views import History, read_group

log = logging.getLogger(__name__)

REASON = "보유기간 경과 (개인정보 보호법 제21조)"
ACTOR = "system"


@dataclass(frozen=True)
class DueGroup:
    """A closed group whose retention period has ended, with the ids of its members still to erase."""

    group_id: str
    year: int
    retained_until: date
    member_ids: tuple[str, ...]

    def view(self) -> dict:
        return {
            "group_id": self.group_id,
            "year": self.year,
            "retained_until": self.retained_until.isoformat(),
            "member_ids": list(self.member_ids),
        }


class Retention:
    """Finds the members due for erasure and erases them. `candidates(year)` gives the ids of the closed groups of
    program years up to `year` (RegistrationViews.closed_groups)."""

    def __init__(
        self,
        candidates: Callable[[int], list[str]],
        store: History,
        bus: CommandBus,
        clock: Clock = seoul_today,
        center: Center = CENTER,
    ):
        self.candidates, self.store, self.bus, self.clock, self.center = candidates, store, bus, clock, center

    def due(self, today: date | None = None) -> list[DueGroup]:
        """What is due on `today` (the clock's day when absent), oldest year first; groups with nothing left out."""
        today = today or self.clock()
        found = []
        for group_id in self.candidates(self.center.last_expired_year(today)):
            group = read_group(self.store, group_id)
            members = group.due_for_erasure(today, self.center)
            if members:
                ids = tuple(member.id for member in members)
                found.append(DueGroup(group.id, group.year, self.center.retained_until(group.year), ids))
        return found

    def erase_due(self) -> int:
        """Erase every member due today, one command each; the number of members erased. A member that another
        sweep erased meanwhile is erased all the same (the command is then a no-op) and counts in both."""
        erased = 0
        for group in self.due():
            for member_id in group.member_ids:
                self.bus.handle(EraseMember(group.group_id, member_id, REASON), context=Context(actor=ACTOR))
                erased += 1
                log.info(
                    "member erased: retention period ended",
                    extra={"group_id": group.group_id, "member_id": member_id, "year": group.year},
                )
        return erased


class RetentionSweep:
    """A worker loop: erases the due members on start and then every `every` seconds; a failed sweep (the worker
    logs it) is tried again after `retry_seconds`."""

    name = "registration-retention"

    def __init__(
        self,
        retention: Retention,
        every: float,
        retry_seconds: float = 300.0,
        monotonic: Callable[[], float] = time.monotonic,
    ):
        self.retention, self.every, self.retry, self.monotonic = retention, every, min(retry_seconds, every), monotonic
        self._next = float("-inf")

    def run_once(self) -> int:
        if self.monotonic() < self._next:
            return 0
        self._next = self.monotonic() + self.retry  # if the sweep fails
        erased = self.retention.erase_due()
        self._next = self.monotonic() + self.every
        if erased:
            log.info("retention sweep done", extra={"erased": erased})
        return 0

    def close(self) -> None:
        pass
