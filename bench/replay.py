"""One replay process: `python -m bench.replay projector|bare --member i/n --total N` (env: the stack's settings).

Reads its share of the event topics' partitions from the start until N events are stored, then prints one JSON
line: how many messages this process handled, the wall-clock time at which it started (after its own set-up,
before its Kafka consumer is made: the same point on both sides, so the first poll and batch are timed too) and
that of its last write, its peak RSS.
`projector` is reporting's projector loop (the real EventConsumer + ReportingProjection); `bare` is the limit:
poll, decode, one bulk_write of plain inserts per batch, commit.
"""

from __future__ import annotations

import argparse
import json
import resource
import time
from functools import partial

from kafka import TopicPartition
from pymongo import InsertOne

from jajo.config import TOPICS, load_settings
from jajo.envelope import decode
from jajo.kafka import consumer
from jajo.mongo import client_of


def _checkpointed(db) -> int:
    """Messages applied by every member together (one event per message here): the committed checkpoints' sum."""
    return sum(doc["offset"] + 1 for doc in db["checkpoints"].find({}, {"offset": 1}))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("mode", choices=["projector", "bare"])
    parser.add_argument("--member", default="0/1", help="i/n: this process reads partitions p with p %% n == i")
    parser.add_argument("--total", type=int, required=True)
    parser.add_argument("--deadline", type=float, default=900)
    args = parser.parse_args()
    settings = load_settings()
    topics = [settings.topic(name) for name in TOPICS]
    handled, started, last = 0, None, None
    stop_at = time.monotonic() + args.deadline
    if args.mode == "projector":
        from services.reporting.bootstrap import bootstrap
        from jajo.consumer import EventConsumer

        reporting = bootstrap(settings.override(consumer_member=args.member)).ensure_indexes()
        assert reporting.projection is not None
        projection = reporting.projection()
        started = time.time()
        loop = EventConsumer(
            projection, reporting.client, reporting.db, partial(consumer, settings), member=args.member
        )
        while time.monotonic() < stop_at:
            n = loop.run_once()
            if n:
                handled += n
                last = time.time()
            if _checkpointed(reporting.db) >= args.total:
                break
        loop.close()
    else:
        db = client_of(settings)[settings.database_name("bare")]
        db.command("ping")
        started = time.time()
        kafka = consumer(settings)
        member, members = (int(part) for part in args.member.split("/"))
        kafka.assign(
            [
                TopicPartition(t, p)
                for t in topics
                for p in sorted(kafka.partitions_for_topic(t))
                if p % members == member
            ]
        )
        target = db["events"]
        while handled < args.total and time.monotonic() < stop_at:
            records = kafka.poll(timeout_ms=200)
            batch = [r for rs in records.values() for r in rs]
            if not batch:
                continue
            envelopes = [decode(r.value) for r in batch]
            target.bulk_write([InsertOne({"_id": e["id"], "envelope": e}) for e in envelopes], ordered=False)
            handled += len(batch)
            last = time.time()
        kafka.close()
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"handled": handled, "started": started, "last": last, "rss_mb": rss_mb}), flush=True)


if __name__ == "__main__":
    main()
