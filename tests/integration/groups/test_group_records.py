"""Group mode's records beside the read models: a checkpoint never moves back under the same topic id (an
evicted member's late batch), and a departed group member does not count as a stalled consumer."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from jajo.consumer import ConsumerStatus, EventConsumer, Message, consumer_health
from jajo.envelope import build, encode
from jajo.mongo import client_of

pytestmark = pytest.mark.integration


class Noop:
    name = "noop"
    known_types = None

    def __init__(self, topic: str):
        self.topics = [topic]

    def apply(self, envelope, session) -> None:
        pass


def message(topic: str, offset: int) -> Message:
    envelope = build("Counted", {}, subject=f"s{offset}", source="activity", aggregate_type="tally", version=1)
    return Message(topic, 0, offset, b"k", encode(envelope))


@pytest.fixture
def db(settings):
    return client_of(settings)[settings.database_name("groups")]


def checkpoint(db, topic: str) -> tuple:
    doc = db["checkpoints"].find_one({"_id": f"{topic}:0"})
    return doc["offset"], doc["topic_id"]


def test_a_group_members_checkpoint_only_moves_forward_or_onto_a_new_topic(settings, db):
    topic = settings.topic("activity.events")
    consumer = EventConsumer(Noop(topic), db.client, db, member="a", grouped=True)
    consumer._topic_ids[topic] = "t1"
    consumer.handle([message(topic, 10)])
    consumer.handle([message(topic, 5)])  # late: another member read further already
    assert checkpoint(db, topic) == (10, "t1")
    assert db["processed"].count_documents({}) == 2  # applied and tracked all the same
    consumer._topic_ids[topic] = "t2"  # the topic was made anew: its offsets start again
    consumer.handle([message(topic, 3)])
    assert checkpoint(db, topic) == (3, "t2")
    consumer.close()

    static = EventConsumer(Noop(topic), db.client, db)  # alone on its partitions: the checkpoint is what it read
    static._topic_ids[topic] = "t2"
    static.handle([message(topic, 1)])
    assert checkpoint(db, topic) == (1, "t2")
    static.close()


def test_a_silent_group_member_is_retired_while_another_of_its_group_is_heard(db):
    def member(key: str, consumer: str, grouped: bool, silent_for: float) -> None:
        ConsumerStatus(key, consumer, grouped=grouped).progressed(db)
        at = datetime.now(timezone.utc) - timedelta(seconds=silent_for)
        db[ConsumerStatus.collection].update_one({"_id": key}, {"$set": {"progress_at": at, "heartbeat_at": at}})

    member("p:dead", "p", True, 120)
    member("p:alive", "p", True, 0)
    member("q:dead", "q", True, 120)  # the last of its group: its partitions have nobody
    member("s:0/1", "s", False, 120)  # static: nobody else takes its partitions
    stalled = {m["member"]: m["stalled"] for m in consumer_health(db, stalled_after_seconds=60)}
    assert stalled == {"p:alive": False, "q:dead": True, "s:0/1": True}
