"""`as_of` from snapshots equals the full replay of the audit history, at many moments: random ones, exactly at
snapshot boundaries and a microsecond or a millisecond either side, before the first event, after the last, at
moments shared by several events; after late events made snapshots untrue, and after a rebuild."""

from __future__ import annotations

import json
import random
from datetime import datetime, timedelta, timezone

import pytest

from services.reporting import exports, generation, rebuild, snapshots
from services.reporting.schemas import AnnualReport
from services.reporting.views import ReportingViews
from tests.conftest import VIEWER
from tests.unit.reporting.program import Program

pytestmark = pytest.mark.integration

START = datetime(2024, 11, 1, tzinfo=timezone.utc)
YEARS = (2024, 2025)
EVERY = 7  # small, so that the history holds many snapshots


def moments(rng: random.Random, count: int) -> list[datetime]:
    """Event times with collisions: shared seconds, and microseconds apart within one millisecond."""
    out = []
    for _ in range(count):
        second = START + timedelta(days=rng.randrange(430), seconds=rng.randrange(3))
        out.append(second + timedelta(microseconds=rng.choice((0, 0, 250, 999, 1000, 123456))))
    return out


def stamp(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


def random_program(rng: random.Random, size: int, program: Program | None = None, tag: str = "") -> Program:
    p = program or Program()
    times = moments(rng, 40)
    for n in range(size):
        p.time = stamp(rng.choice(times))
        year = rng.choice(YEARS)
        gid, mid, sid = f"g{year}{rng.randrange(6)}", f"m{tag}{n}", f"s{tag}{n}"
        kind = rng.choice(("regular", "special", "online", "새로운"))
        venue = rng.choice(("키움터", "자람터", "external", "online", "숲속", "강당"))
        day = f"{year}-{rng.randrange(1, 13):02d}-{rng.randrange(1, 29):02d}"
        match rng.randrange(7):
            case 0:
                p.group(gid, year=year, approve=rng.random() < 0.7)
            case 1:
                p.member(gid, mid, [f"c{tag}{n}", f"c{tag}{n}b"][: rng.randrange(1, 3)], year=year)
            case 2:
                guardians = [f"m{rng.randrange(size)}" for _ in range(rng.randrange(1, 4))]
                p.session(sid, gid, day, "10:00", "11:30", kind, venue, guardians, [f"c{rng.randrange(size)}"])
            case 3:
                p.session(sid, gid, day, "10:00", "12:00", kind, venue, cancel=rng.random() < 0.5)
            case 4:
                p.budget(gid, rng.randrange(1, 9) * 10_000, year=year)
            case 5:
                p.emit(
                    "activity",
                    "session",
                    f"s{rng.randrange(4)}",
                    "ConnectionReported",
                    session_id=f"s{rng.randrange(4)}",
                    group_id=gid,
                    date=day,
                    start="20:00",
                    end="21:00",
                    kind="online",
                    venue="online",
                    member_id=f"m{rng.randrange(3)}",
                    report_no=rng.randrange(3),  # equal numbers with other statuses: the order must not matter
                    status=rng.choice(("ok", "audio", "dropped", "엉뚱함")),
                )
            case _:
                vid = f"v{year}"
                if rng.random() < 0.2:
                    p.survey(vid, year=year)
                answers = {"q1": rng.randrange(1, 6), "q2": rng.randrange(1, 6), "q3": ["기타"]}
                p.response(vid, f"r{tag}{n}", answers, year=year)
    return p


def boundaries(db) -> list[datetime]:
    return [doc["at"] for doc in db[snapshots.COLLECTION].find({}, {"at": 1})]


def probes(rng: random.Random, db, envelopes: list[dict], count: int) -> list[datetime]:
    """Random moments, each snapshot's boundary ±1 µs and ±1 ms, the events' own times, before and after all."""
    times = sorted(datetime.fromisoformat(e["time"]) for e in envelopes)
    tick, milli = timedelta(microseconds=1), timedelta(milliseconds=1)
    around = [t + d for t in boundaries(db) for d in (-milli, -tick, timedelta(0), tick, milli)]
    chosen = rng.sample(times, min(count, len(times))) + rng.sample(around, min(count, len(around)))
    span = (times[-1] - times[0]).total_seconds()
    chosen += [times[0] + timedelta(seconds=rng.uniform(0, span)) for _ in range(count)]
    return chosen + [times[0] - tick, times[0] - timedelta(days=400), times[-1], times[-1] + timedelta(days=1)]


def assert_equal_to_full_replay(views: ReportingViews, at: list[datetime]) -> None:
    for moment in at:
        for year in YEARS:
            expected = views.annual(year, moment, full_replay=True)
            assert views.annual(year, moment) == expected, (year, moment)


def test_snapshots_equal_the_full_replay_through_late_events_and_a_rebuild(reporting, feed, settings):
    rng = random.Random(17)
    db = reporting.db
    views = ReportingViews(db, settings, snapshot_every=EVERY)
    first = random_program(rng, 160)
    rng.shuffle(first.events)  # recorded out of time order
    feed(first.events, batch=25)

    # the first moments build the snapshots as they go; the later ones also start from them
    assert_equal_to_full_replay(views, probes(rng, db, first.envelopes, 12))
    made = boundaries(db)
    assert len(made) >= 10
    assert_equal_to_full_replay(views, probes(rng, db, first.envelopes, 25))

    # events recorded late (times among the snapshots') drop the snapshots they make untrue, in their batch
    late = random_program(rng, 40, Program(versions=first.versions), tag="late")
    feed(late.events, batch=10)
    earliest = snapshots.millisecond(min(datetime.fromisoformat(e["time"]) for e in late.envelopes))
    assert any(at >= earliest for at in made)
    assert all(at < earliest for at in boundaries(db))
    assert all(at < earliest for doc in db[snapshots.CATALOGUE].find() for at in doc["points"])
    assert_equal_to_full_replay(views, probes(rng, db, first.envelopes + late.envelopes, 25))

    # a rebuild drops the snapshots of the generation it replaced; the next as_of makes new ones
    assert snapshots.count(db) > 0
    rebuild.rebuild(reporting.client, db)
    assert snapshots.count(db) == 0
    assert_equal_to_full_replay(views, probes(rng, db, first.envelopes + late.envelopes, 10))
    assert snapshots.count(db) > 0


def test_the_exports_as_of_come_from_the_same_path(reporting, feed, settings, http):
    rng = random.Random(5)
    program = random_program(rng, 300)
    feed(program.events, batch=40)
    views = ReportingViews(reporting.db, settings)
    moment = datetime(2025, 6, 30, 12, 0, 0, 500, tzinfo=timezone.utc)
    expected = views.annual(2025, moment, full_replay=True)
    query = f"as_of={stamp(moment)}"
    csv = http.get(f"/api/v1/reports/annual/2025.csv?{query}", headers=VIEWER)
    assert csv.status_code == 200
    assert csv.get_data(as_text=True) == exports.csv_text(expected)
    assert snapshots.count(reporting.db) > 0  # the export made them (over 200 events, more than one snapshot's worth)
    body = http.get(f"/api/v1/reports/annual/2025?{query}", headers=VIEWER).get_json()
    assert body == json.loads(json.dumps(AnnualReport().dump(expected)))


def test_snapshots_are_not_kept_past_a_late_event_committed_while_they_were_replayed(reporting, feed):
    db = reporting.db
    program = random_program(random.Random(3), 60)
    feed(program.events)
    state = generation.state(db)
    cuts = [{"at": START + timedelta(days=day), "docs": {}} for day in (10, 100, 200)]
    late = Program(time=stamp(START + timedelta(days=150)), versions=program.versions)
    late.budget("g20250", 10_000)
    feed(late.events)  # committed after the replay read the records up to state["seq"]

    snapshots.save(db, state["current"], 2025, state["seq"], cuts)

    assert sorted(boundaries(db)) == [cut["at"] for cut in cuts[:2]]
    assert generation.state(db)["snapshots_upto"] == cuts[1]["at"]
