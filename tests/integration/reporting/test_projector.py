"""The projector: exactly-once, order-independent, restartable, rebuildable; through real Kafka too."""

from __future__ import annotations

import random
from datetime import datetime, timedelta, timezone

import pytest
from kafka import KafkaProducer

from jajo.envelope import encode
from jajo.kafka import ensure_topics
from services.reporting import audit, cli, generation, rebuild, report, sequence
from services.reporting.projection import replay
from tests.conftest import STAFF, VIEWER
from tests.unit.reporting.program import small_program
from tests.waiting import eventually

pytestmark = pytest.mark.integration


def live_report(http, year=2025) -> dict:
    response = http.get(f"/api/v1/reports/annual/{year}", headers=VIEWER)
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    body.pop("as_of")
    return body


def expected(events, year=2025) -> dict:
    body = report.annual(replay([e for _, e in events]), year, "")
    body.pop("as_of")
    return body


def dump(reporting) -> dict:
    return generation.current_models(reporting.db).dump()


def test_cross_topic_orders_and_redelivery_give_the_same_report(settings, reporting, http, feed):
    events = small_program().events
    by_topic = {}
    for topic, envelope in events:
        by_topic.setdefault(topic, []).append((topic, envelope))
    survey_first = by_topic["survey.events"] + by_topic["activity.events"] + by_topic["registration.events"]
    feed(survey_first, batch=7)
    first = live_report(http)
    assert first == expected(events)
    assert first["sessions"]["held"] == 4 and first["participation"]["parents"] == 5
    models = dump(reporting)
    audited = reporting.db["audit_events"].count_documents({})
    assert audited == len(events)

    feed(by_topic["activity.events"], batch=100)  # the whole topic again
    feed(events, batch=3)  # and everything, as after a broker forgot its offsets
    assert live_report(http) == first
    assert dump(reporting) == models
    assert reporting.db["audit_events"].count_documents({}) == audited


def test_interleavings_in_other_databases_agree(settings, infra):
    from services.reporting.bootstrap import bootstrap
    from services.reporting.app import create_app
    from jajo.consumer import EventConsumer
    from tests.unit.reporting.program import messages

    events = small_program().events
    reports = []
    for seed in (1, 2):
        own = settings.override(db_prefix=f"{settings.db_prefix}{seed}_")
        wired = bootstrap(own).ensure_indexes()
        shuffled = events[:]
        random.Random(seed).shuffle(shuffled)
        consumer = EventConsumer(wired.projection(), wired.client, wired.db)
        records = messages(shuffled, own.topic_prefix)
        for start in range(0, len(records), 5):
            consumer.handle(records[start : start + 5])
        reports.append(live_report(create_app(own).test_client()))
    assert reports[0] == reports[1] == expected(events)


class Crash(BaseException):  # a kill, not an error about an event (those are dead letters)
    pass


def test_projector_killed_mid_stream_then_restarted_equals_a_clean_rebuild(reporting, http, feed, monkeypatch):
    events = small_program().events
    half = len(events) // 2
    feed(events[:half], batch=10)

    real_apply = generation.apply_ops

    def crash_after_first_collection(db, generation, ops, session=None):
        real_apply(db, generation, ops[:1], session)
        raise Crash("killed")

    monkeypatch.setattr(generation, "apply_ops", crash_after_first_collection)
    with pytest.raises(Crash):
        feed(events[half:], batch=len(events))
    monkeypatch.setattr(generation, "apply_ops", real_apply)
    assert reporting.db["audit_events"].count_documents({}) == half  # the killed batch left nothing behind

    feed(events, batch=9)  # restarted: redelivered from the start
    restarted = dump(reporting)
    report_before = live_report(http)
    assert report_before == expected(events)

    plan = rebuild.rebuild(reporting.client, reporting.db)
    assert plan.generation == 2 and plan.total == len(events)
    assert generation.state(reporting.db)["current"] == 2
    assert dump(reporting) == restarted
    assert live_report(http) == report_before


def test_rebuild_through_the_api_while_events_keep_arriving(reporting, http, feed, background):
    """The API only records the request; the reporting worker's runner (holding the rebuild's lease) runs it."""
    program = small_program()
    events = program.events
    feed(events[:20])
    assert http.post("/api/v1/admin/rebuild", headers=VIEWER).status_code == 403
    response = http.post("/api/v1/admin/rebuild", headers=STAFF)
    assert response.status_code == 202, response.get_json()
    assert response.get_json()["status"] == "running"
    built = response.get_json()["generation"]
    requested = generation.state(reporting.db)
    assert requested["building"] == built and requested["rebuild"]["holder"] is None  # no thread of the API's
    assert http.post("/api/v1/admin/rebuild", headers=STAFF).status_code == 409  # one at a time, as before
    feed(events[20:])  # the live projector writes to both generations meanwhile
    assert live_report(http)["year"] == 2025  # the report answers during the rebuild
    first, second = reporting.rebuilds.runner(), reporting.rebuilds.runner()
    background(first, second)  # two workers: one takes it
    eventually(lambda: generation.state(reporting.db)["current"] == built, what="swap")
    assert generation.state(reporting.db)["rebuild"]["holder"] in (first.holder, second.holder)
    status = http.get("/api/v1/projections/status", headers=VIEWER).get_json()
    assert status["generation"] == built and status["rebuild"]["status"] == "done"
    assert live_report(http) == expected(events)


def test_through_real_kafka_in_reverse_topic_order(settings, reporting, http, background):
    events = small_program().events
    ensure_topics(settings)
    producer = KafkaProducer(bootstrap_servers=settings.kafka_bootstrap_servers, acks="all")
    try:
        for topic, envelope in sorted(events, key=lambda te: te[0], reverse=True):
            producer.send(settings.topic(topic), key=envelope["subject"].encode(), value=encode(envelope))
        producer.flush(10)
    finally:
        producer.close()

    def caught_up():
        status = http.get("/api/v1/projections/status", headers=VIEWER).get_json()
        return (
            status if status["lag"] == 0 and reporting.db["audit_events"].count_documents({}) == len(events) else None
        )

    background(reporting.consumer())
    status = eventually(caught_up, timeout=60, what="projector caught up")
    assert status["dead_letters"] == 0
    assert status["last_event_time"] is not None
    assert live_report(http) == expected(events)


def test_rebuild_command_line(settings, reporting, feed, monkeypatch, capsys):
    feed(small_program().events)
    before = dump(reporting)
    monkeypatch.setenv("MONGODB_URI", settings.mongodb_uri)
    monkeypatch.setenv("KAFKA_BOOTSTRAP_SERVERS", settings.kafka_bootstrap_servers)
    monkeypatch.setenv("JAJO_DB_PREFIX", settings.db_prefix)
    monkeypatch.setenv("LOG_LEVEL", "WARNING")
    cli.main(["rebuild"])
    assert "generation 2 is live" in capsys.readouterr().out
    assert dump(reporting) == before
    assert generation.existing_generations(reporting.db) == {1, 2}
    cli.main(["rebuild"])
    assert generation.existing_generations(reporting.db) == {2, 3}


def test_openapi_documents_score100(http):
    spec = http.get("/openapi.json").get_json()
    assert "/api/v1/reports/annual/{year}" in spec["paths"] and "/api/v1/audit/events.jsonl" in spec["paths"]
    assert (
        "(mean − 1) / 4 × 100"
        in spec["components"]["schemas"]["LikertQuestion"]["properties"]["score100"]["description"]
    )


def test_two_projector_instances_at_once_count_everything_once(settings, reporting, http):
    import threading

    from jajo.consumer import EventConsumer
    from tests.unit.reporting.program import messages

    events = small_program().events
    records = messages(events, settings.topic_prefix)
    halves = [records[0::2], records[1::2]]
    errors = []

    def run(part):
        consumer = EventConsumer(reporting.projection(), reporting.client, reporting.db)
        try:
            for start in range(0, len(part), 2):
                consumer.handle(part[start : start + 2] + records[:1])  # plus a redelivered one
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(part,)) for part in halves]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert errors == []
    assert live_report(http) == expected(events)
    seqs = sorted(d["seq"] for d in reporting.db["audit_events"].find({}, {"seq": 1}))
    assert len(seqs) == len(set(seqs)) == len(events)  # unique; gaps where a batch gave its numbers back
    assert sequence.open_count(reporting.db) == 0 and audit.last_seq(reporting.db) >= seqs[-1]


def test_a_requested_rebuild_no_worker_took_in_time_is_left_for_the_next_request(reporting, http, feed):
    feed(small_program().events[:5])
    first = http.post("/api/v1/admin/rebuild", headers=STAFF).get_json()["generation"]
    stale = datetime.now(timezone.utc) - timedelta(seconds=rebuild.STALE_SECONDS + 1)
    reporting.db["state"].update_one({"_id": generation.STATE_ID}, {"$set": {"rebuild.heartbeat_at": stale}})
    assert reporting.rebuilds.runner().run_once() == 0  # too old to take: the next request abandons it
    again = http.post("/api/v1/admin/rebuild", headers=STAFF)
    assert again.status_code == 202 and again.get_json()["generation"] == first + 1
    assert reporting.rebuilds.runner().run_once() > 0
    assert generation.state(reporting.db)["current"] == first + 1
    assert first not in generation.existing_generations(reporting.db)  # the abandoned half-built generation dropped
