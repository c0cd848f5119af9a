"""The consumer base: batches from Kafka applied exactly once to MongoDB read models.

Exactly-once effect comes from tracking records: each applied event id is inserted in the same
transaction as the read-model change and the partition checkpoint, so a redelivered event (relay
retry, rebalance, a broker that forgot its offsets) is recognised by id and skipped.
"""

from __future__ import annotations

import hashlib
import logging
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Callable, Iterable, Protocol

from kafka import ConsumerRebalanceListener, KafkaConsumer, TopicPartition
from pymongo import MongoClient, UpdateOne
from pymongo.client_session import ClientSession
from pymongo.database import Database
from pymongo.errors import (
    BulkWriteError,
    ConnectionFailure,
    DuplicateKeyError,
    ExecutionTimeout,
    OperationFailure,
    PyMongoError,
    WTimeoutError,
)

from jajo import tracing
from jajo.config import Settings
from jajo.envelope import EnvelopeError, decode
from jajo.kafka import connection, end_offsets
from jajo.metrics import (
    CONSUMED,
    CONSUMER_IDLE_SECONDS,
    CONSUMER_LAG,
    CONSUMER_STALLED,
    DEAD_LETTERS,
    DUPLICATES,
    WORKER_ERRORS,
)
from jajo.errors import ConcurrencyConflict, NotFound, RuleViolation, Unavailable
from jajo.mongo import MemberSessions, end_sessions_of, ensure_collections, in_transaction, is_transient

log = logging.getLogger(__name__)


class Projection(Protocol):
    name: str
    topics: list[str]

    @property
    def known_types(self) -> frozenset[str] | None:
        """The event types this projection knows; any other type is a dead letter (None: every type is taken)."""

    def apply(self, envelope: dict, session: ClientSession) -> None:
        """Change the read models for one event; raise ValueError/KeyError/TypeError if it cannot."""


@dataclass(frozen=True)
class Message:
    """What the consumer needs of a Kafka record (tests build these by hand too)."""

    topic: str
    partition: int
    offset: int
    key: bytes | None
    value: bytes | None


class Unhandleable(Exception):
    """Raised inside a one-event transaction so that its writes are rolled back."""


class EventConsumer:
    name: str  # the projection's, set by the wiring

    def __init__(
        self,
        projection: Projection,
        client: MongoClient,
        db: Database,
        consumer_factory: Callable[[], KafkaConsumer] | None = None,
        poll_timeout_ms: int = 200,
        max_batch: int = 2000,
        member: str = "0/1",
        stall_seconds: float = 5.0,
        stalled_after_seconds: float = 60.0,
        grouped: bool = False,
    ):
        """`member`: "i/n" (static assignment, the partitions p % n == i), or with `grouped` the name of a member
        of the consumer group that `consumer_factory`'s consumers join (docs/deploy.md, "Consumer groups")."""
        self.projection = projection
        self.client = client
        self.db = db
        self.consumer_factory = consumer_factory
        self.poll_timeout_ms = poll_timeout_ms
        self.max_batch = max_batch
        self.stall_seconds = stall_seconds
        self.grouped = grouped
        self.member, self.members = (0, 1) if grouped else (int(part) for part in member.split("/"))
        self._consumer: KafkaConsumer | None = None
        self._topic_ids: dict[str, str] = {}
        self._last_progress = time.monotonic()
        self._lag_reported = float("-inf")
        self.stalled_after_seconds = stalled_after_seconds
        self.key = f"{projection.name}:{member if grouped else f'{self.member}/{self.members}'}"
        self.status = ConsumerStatus(self.key, projection.name, grouped=grouped)
        self.sessions = MemberSessions(client, db, self.key)
        use_sessions = getattr(projection, "use_sessions", None)
        if use_sessions is not None:  # a projection with transactions of its own beside the batch's
            use_sessions(self.sessions)

    def ensure_indexes(self) -> None:
        self.db["dead_letters"].create_index("at")
        # Made here, not by a first batch: two members' first transactions each creating them conflict.
        ensure_collections(self.db, ["processed", "checkpoints"])

    # --- the loop -------------------------------------------------------------------------------
    def run_once(self) -> int:
        # Catching up, polls come back full: gather up to `max_batch` messages for one transaction, since every
        # transaction costs the same fixed writes (state, checkpoints, commit) and merges updates of the same
        # read-model documents. Idle, the first poll is short and is handled at once (freshness).
        messages: list[Message] = []
        while len(messages) < self.max_batch:
            consumer = self._ensure_consumer()
            if consumer is None:
                break
            polled = self._poll(consumer, 0 if messages else self.poll_timeout_ms)
            if not polled:
                break
            messages += polled
        if self.grouped:
            messages = self._still_owned(messages)
        if not messages:
            self._check_stalled()
            self._report_lag()
            if self._caught_up():
                self.status.progressed(self.db)
            return 0
        self._last_progress = time.monotonic()
        try:
            self.handle(messages)
        except Exception as exc:
            self.close()  # the consumer has moved past what was not applied: resume from the checkpoints
            self.status.failed(self.db, exc)
            raise
        self.status.progressed(self.db)
        self._report_lag()
        return len(messages)

    def _poll(self, consumer: KafkaConsumer, timeout_ms: int) -> list[Message]:
        try:
            records = consumer.poll(timeout_ms=timeout_ms)
        except Exception:
            if self.grouped:  # a rebalance half done (a partition not sought to its checkpoint): join afresh
                self._drop_consumer()
            raise
        if self._topic_recreated(consumer):
            self._drop_consumer()  # a fresh consumer resumes from the checkpoints, which name the old topic: from 0
            return []
        return [Message(r.topic, r.partition, r.offset, r.key, r.value) for batch in records.values() for r in batch]

    def _caught_up(self) -> bool:
        """Nothing waiting: no topic yet, or every position at the high watermark of the last fetch."""
        return all(high is not None and position >= high for position, high in self._marks().values())

    def _marks(self) -> dict[TopicPartition, tuple]:
        """Each assigned partition's position and the high watermark of the last fetch response (None before one)."""
        consumer = self._consumer
        if consumer is None:
            return {}
        return {tp: (consumer.position(tp), consumer.highwater(tp)) for tp in consumer.assignment()}

    def _report_lag(self, every: float = 1.0) -> None:
        """The jajo_consumer_lag gauge of each partition this member reads, at most every `every` seconds."""
        if time.monotonic() - self._lag_reported < every:
            return
        self._lag_reported = time.monotonic()
        for tp, (position, high) in self._marks().items():
            if high is not None:
                CONSUMER_LAG.labels(self.projection.name, f"{tp.topic}:{tp.partition}").set(max(0, high - position))

    def _check_stalled(self) -> None:
        """Idle for a while: compare each position with the high watermark of the last fetch response.
        Behind it, messages wait that the fetcher does not return (after a broker restart a kafka-python
        consumer was seen to stop fetching for good): start a fresh consumer. Past it, the log is shorter than
        what this consumer read under the same topic id: read the partition again from its start."""
        consumer = self._consumer
        if consumer is None or time.monotonic() - self._last_progress < self.stall_seconds:
            return
        self._last_progress = time.monotonic()
        marks = self._marks()
        if any(high is None or position < high for position, high in marks.values()):
            log.warning(
                "consumer stalled with messages waiting: starting a fresh one", extra={"positions": _described(marks)}
            )
            self._drop_consumer()
            return
        for partition, (position, high) in marks.items():
            if position > high:
                log.warning(
                    "partition shorter than its position: reading it again",
                    extra={"partition": f"{partition.topic}:{partition.partition}", "position": position, "end": high},
                )
                consumer.seek_to_beginning(partition)

    def _topic_recreated(self, consumer: KafkaConsumer) -> bool:
        """A broker that lost its data (the embedded Tansu after a restart) hands out offsets from 0 again, so
        a kept position could skip new events. Kafka gives a topic a fresh id when it is created anew; the
        checkpoints keep the id their offsets belong to, so a restarted consumer notices the change too.
        (Seeking the same consumer back is not enough: its fetch sessions still name the old topic.)"""
        for topic, known in self._topic_ids.items():
            current = _topic_id(consumer, topic)
            if current is not None and current != known:
                log.warning("topic was recreated, reading it again", extra={"topic": topic})
                return True
        return False

    def _ensure_consumer(self) -> KafkaConsumer | None:
        """Assign this member's partitions and resume each after its checkpoint (from 0 on a new topic)."""
        if self._consumer is None:
            assert self.consumer_factory is not None
            consumer = self.consumer_factory()
            partitions = self._my_partitions(consumer)
            if not partitions:
                consumer.close()
                return None  # topics not created yet
            if self.grouped:
                consumer.subscribe(self.projection.topics, listener=Rebalance(self, consumer))
            else:
                consumer.assign(partitions)
                for partition in partitions:
                    consumer.seek(partition, self._resume_offset(partition))
            self._consumer = consumer
            self._last_progress = time.monotonic()  # a fresh consumer gets its own stall_seconds
        return self._consumer

    def _my_partitions(self, consumer: KafkaConsumer) -> list[TopicPartition]:
        partitions = []
        for topic in self.projection.topics:
            numbers = consumer.partitions_for_topic(topic)
            topic_id = _topic_id(consumer, topic) if numbers else None
            if not numbers or topic_id is None:
                return []  # not created yet: try again on the next loop
            self._topic_ids[topic] = topic_id
            partitions += [TopicPartition(topic, n) for n in sorted(numbers) if n % self.members == self.member]
        return partitions

    def _resume_offset(self, partition: TopicPartition) -> int:
        """After the checkpoint; from 0 when the checkpoint belongs to another topic (or to none)."""
        checkpoint = self.db["checkpoints"].find_one({"_id": f"{partition.topic}:{partition.partition}"}) or {}
        if checkpoint.get("topic_id") != self._topic_ids[partition.topic]:
            return 0
        return checkpoint["offset"] + 1

    # --- group mode: kafka-python calls these inside poll(), on its IO thread --------------------------------
    def _take(self, consumer: KafkaConsumer, partitions: Iterable[TopicPartition]) -> None:
        """Newly assigned partitions: claim each and resume after its checkpoint. A claim held by another member
        means that member lost the partition without releasing it (killed, or evicted from the group): end its
        session, whose open transaction would hold its write locks until MongoDB expires it."""
        for partition in partitions:
            key = f"{partition.topic}:{partition.partition}"
            checkpoint = self.db["checkpoints"].find_one_and_update(
                {"_id": key}, {"$set": {"member": self.key}}, upsert=True
            )
            previous = (checkpoint or {}).get("member")
            if previous not in (None, self.key) and end_sessions_of(self.client, self.db, previous):
                log.warning("took over a partition its member did not release", extra={"partition": key})
            consumer.seek(partition, self._resume_offset(partition))

    def _release(self, partitions: Iterable[TopicPartition]) -> None:
        """Revoked cleanly (between batches: no transaction of ours is open): the next owner need not end our
        session. Best effort: unreleased, the next owner ends it, which only aborts a transaction we retry."""
        keys = [f"{p.topic}:{p.partition}" for p in partitions]
        try:
            self.db["checkpoints"].update_many({"_id": {"$in": keys}, "member": self.key}, {"$set": {"member": None}})
        except PyMongoError:
            pass

    def _still_owned(self, messages: list[Message]) -> list[Message]:
        """Drop what was gathered from partitions revoked meanwhile: their next owner reads them from the
        checkpoint, and applying them here could only move that checkpoint back."""
        owned = self._consumer.assignment() if self._consumer is not None else set()
        return [m for m in messages if TopicPartition(m.topic, m.partition) in owned]

    def _drop_consumer(self) -> None:
        if self._consumer is not None:
            self._consumer.close()
            self._consumer = None

    def close(self) -> None:
        self._drop_consumer()
        self.sessions.close()

    # --- one batch ------------------------------------------------------------------------------
    def handle(self, messages: list[Message]) -> None:
        parsed, dead = self._parse(messages)
        fresh = self._unseen(parsed)
        try:
            with tracing.consuming(fresh, self.projection.name):
                self._transaction(lambda s: self._apply_all(fresh, dead, messages, s))
        except Exception as exc:  # noqa: BLE001 - sorted below: only a transient failure fails the batch
            if is_transient_failure(exc):
                raise  # MongoDB away or conflicting: the batch is read again from the checkpoints
            # Another consumer applied some of these first, or one event is unhandleable (for any reason):
            # go one event at a time so that only the bad one is set aside.
            self._apply_one_by_one(messages)
            return
        self._count(len(fresh), len(parsed) - len(fresh), dead)

    def _parse(self, messages: Iterable[Message]) -> tuple[list[tuple[Message, dict]], list[tuple[Message, str, str]]]:
        parsed, dead = [], []
        for message in messages:
            try:
                parsed.append((message, decode(message.value, self.projection.known_types)))
            except EnvelopeError as exc:
                dead.append((message, str(exc), exc.kind))
        return parsed, dead

    def _unseen(self, parsed: list[tuple[Message, dict]]) -> list[dict]:
        ids = list({envelope["id"] for _, envelope in parsed})
        seen = {doc["_id"] for doc in self.db["processed"].find({"_id": {"$in": ids}}, {"_id": 1})}
        fresh: dict[str, dict] = {}
        for _, envelope in parsed:
            if envelope["id"] not in seen and envelope["id"] not in fresh:
                fresh[envelope["id"]] = envelope
        return list(fresh.values())

    def _apply_all(self, envelopes: list[dict], dead, messages: list[Message], session: ClientSession) -> None:
        apply_batch = getattr(self.projection, "apply_batch", None)
        if apply_batch is not None:
            apply_batch(envelopes, session)
        else:
            for envelope in envelopes:
                self.projection.apply(envelope, session)
        self._track(envelopes, session)
        for message, reason, _ in dead:
            self._dead_letter(message, reason, session)
        self._checkpoint(messages, session)

    def _apply_one_by_one(self, messages: list[Message]) -> None:
        for message in messages:
            self._apply_single(message)

    def _apply_single(self, message: Message) -> None:
        parsed, dead = self._parse([message])
        fresh = self._unseen(parsed)
        try:
            with tracing.consuming(fresh, self.projection.name):
                self._transaction(lambda s: self._apply_all(fresh, dead, [message], s))
            self._count(len(fresh), len(parsed) - len(fresh), dead)
            return
        except DuplicateKeyError as exc:
            if self._already_applied(fresh):
                self._count(0, 1, [])
                return
            failure: Exception = exc  # a unique key of the read models, not the tracking record
        except Exception as exc:  # noqa: BLE001 - anything but a transient failure sets this event aside
            if is_transient_failure(exc):
                raise
            failure = exc
        reason = _reason(failure)
        self._transaction(lambda s: self._set_aside(message, fresh, reason, s))
        self._count(0, 0, [(message, reason, "unapplicable")])

    def _already_applied(self, envelopes: list[dict]) -> bool:
        ids = [e["id"] for e in envelopes]
        return self.db["processed"].count_documents({"_id": {"$in": ids}}) == len(ids)

    def _set_aside(self, message: Message, fresh: list[dict], reason: str, session: ClientSession) -> None:
        self._dead_letter(message, reason, session)
        self._track(fresh, session)
        self._checkpoint([message], session)

    def _transaction(self, work) -> None:
        in_transaction(self.client, work, session=self._own_session())

    def _own_session(self) -> ClientSession:
        """The session of all this member's batch transactions (MemberSessions: a restarted member ends its
        predecessor's)."""
        return self.sessions.get()

    # --- records kept beside the read models ----------------------------------------------------
    def _track(self, envelopes: list[dict], session: ClientSession) -> None:
        if envelopes:
            try:
                self.db["processed"].insert_many([{"_id": e["id"]} for e in envelopes], ordered=False, session=session)
            except BulkWriteError as exc:  # a concurrent consumer tracked one first: retry one by one
                if any(error.get("code") == 11000 for error in exc.details.get("writeErrors", [])):
                    raise DuplicateKeyError("an event of the batch is already tracked", 11000) from None
                raise

    def _checkpoint(self, messages: list[Message], session: ClientSession) -> None:
        latest: dict[tuple[str, int], int] = {}
        for m in messages:
            latest[(m.topic, m.partition)] = max(m.offset, latest.get((m.topic, m.partition), -1))
        now = datetime.now(timezone.utc)
        updates = []
        for (topic, partition), offset in latest.items():
            key, topic_id = f"{topic}:{partition}", self._topic_ids.get(topic)
            fields = {"topic": topic, "partition": partition, "offset": offset, "at": now, "topic_id": topic_id}
            if self.grouped:
                # Never backwards: a member evicted mid-batch (its partition already read further by the next
                # owner) may still commit. Insert when missing, else move forward or onto a new topic id.
                updates.append(UpdateOne({"_id": key}, {"$setOnInsert": fields}, upsert=True))
                behind = {"_id": key, "$or": [{"topic_id": {"$ne": topic_id}}, {"offset": {"$not": {"$gte": offset}}}]}
                updates.append(UpdateOne(behind, {"$set": fields}))
            else:
                updates.append(UpdateOne({"_id": key}, {"$set": fields}, upsert=True))
        if updates:  # one round trip for every partition of the batch
            self.db["checkpoints"].bulk_write(updates, ordered=False, session=session)

    def _dead_letter(self, message: Message, reason: str, session: ClientSession) -> None:
        raw = message.value or b""
        digest = hashlib.sha256(message.topic.encode() + b"\0" + raw).hexdigest()
        self.db["dead_letters"].update_one(
            {"_id": digest},
            {
                "$setOnInsert": {
                    "topic": message.topic,
                    "partition": message.partition,
                    "offset": message.offset,
                    "key": (message.key or b"").decode("utf-8", "replace"),
                    "value": raw.decode("utf-8", "replace"),
                    "reason": reason,
                    "at": datetime.now(timezone.utc),
                    "consumer": self.projection.name,
                }
            },
            upsert=True,
            session=session,
        )
        log.warning("dead letter", extra={"topic": message.topic, "offset": message.offset, "reason": reason[:200]})

    def _count(self, applied: int, duplicates: int, dead: list) -> None:
        CONSUMED.labels(self.projection.name).inc(applied)
        DUPLICATES.labels(self.projection.name).inc(duplicates)
        for _, _, kind in dead:
            DEAD_LETTERS.labels(self.projection.name, kind).inc()


class Rebalance(ConsumerRebalanceListener):
    """Group mode's rebalance listener (cooperative: only the partitions that move are named)."""

    def __init__(self, loop: EventConsumer, consumer: KafkaConsumer):
        self.loop, self.consumer = loop, consumer

    def on_partitions_assigned(self, assigned) -> None:
        self.loop._take(self.consumer, assigned)

    def on_partitions_revoked(self, revoked) -> None:
        self.loop._release(revoked)

    def on_partitions_lost(self, lost) -> None:
        """Evicted: another member may hold them already, and ends our session when it claims them."""


class ConsumerStatus:
    """What `/readyz`, `/projections/status` and the `jajo_consumer_stalled` gauge read of a consumer member:
    when it last made progress (applied a batch, or found nothing to read), and since when its batches
    fail. Written beside the read models (best effort, at most every `every` seconds)."""

    collection = "consumer_status"

    def __init__(self, key: str, consumer: str, every: float = 2.0, grouped: bool = False):
        self.key, self.consumer, self.every, self.grouped = key, consumer, every, grouped
        self.progress_at = datetime.now(timezone.utc)
        self.failing_since: datetime | None = None
        self.last_error: str | None = None
        self._written = float("-inf")

    def progressed(self, db: Database) -> None:
        recovered = self.failing_since is not None
        self.progress_at, self.failing_since, self.last_error = datetime.now(timezone.utc), None, None
        self._write(db, force=recovered)

    def failed(self, db: Database, exc: Exception) -> None:
        self.failing_since = self.failing_since or datetime.now(timezone.utc)
        self.last_error = type(exc).__name__
        self._write(db, force=True)

    def _write(self, db: Database, force: bool = False) -> None:
        if not force and time.monotonic() - self._written < self.every:
            return
        self._written = time.monotonic()
        try:
            db[self.collection].replace_one(
                {"_id": self.key},
                {
                    "_id": self.key,
                    "consumer": self.consumer,
                    "grouped": self.grouped,
                    "progress_at": self.progress_at,
                    "failing_since": self.failing_since,
                    "last_error": self.last_error,
                    "heartbeat_at": datetime.now(timezone.utc),
                },
                upsert=True,
            )
        except PyMongoError:
            pass  # MongoDB away: the status shows it by its age


def consumer_health(db: Database, stalled_after_seconds: float, forget_after_seconds: float = 3600.0) -> list[dict]:
    """Each consumer member of `db`: stalled when it made no progress for `stalled_after_seconds` (its batches
    keep failing, or it stopped altogether). Members silent for `forget_after_seconds` are retired ones; so is a
    consumer group's member silent for `stalled_after_seconds` while another member of its group is not (the
    group has moved its partitions to the others)."""
    now = datetime.now(timezone.utc)
    docs = list(db[ConsumerStatus.collection].find().limit(100))
    silence = {doc["_id"]: (now - doc.get("heartbeat_at", doc["progress_at"])).total_seconds() for doc in docs}
    heard = {doc.get("consumer") for doc in docs if doc.get("grouped") and silence[doc["_id"]] <= stalled_after_seconds}
    members = []
    for doc in docs:
        since = (now - doc["progress_at"]).total_seconds()
        if silence[doc["_id"]] > forget_after_seconds:
            continue
        if doc.get("grouped") and silence[doc["_id"]] > stalled_after_seconds and doc.get("consumer") in heard:
            continue
        members.append(
            {
                "member": doc["_id"],
                "consumer": doc.get("consumer"),
                "stalled": since > stalled_after_seconds,
                "seconds_since_progress": round(since, 1),
                "last_error": doc.get("last_error"),
                "failing_since": doc.get("failing_since"),
            }
        )
    for member in members:
        CONSUMER_STALLED.labels(member["member"]).set(1 if member["stalled"] else 0)
        CONSUMER_IDLE_SECONDS.labels(member["member"]).set(member["seconds_since_progress"])
    return members


TRANSIENT_CODES = frozenset({6, 7, 24, 50, 89, 91, 112, 189, 251, 262, 10107, 11600, 11602, 13435, 13436})


def is_transient_failure(exc: BaseException) -> bool:
    """A failure worth retrying the whole batch for: the database away, a conflict, an unknown commit.
    Anything else in applying an event is about the event, and retrying it would stall its partition."""
    if isinstance(
        exc,
        (
            Unavailable,
            ConcurrencyConflict,
            ConnectionFailure,
            ExecutionTimeout,
            WTimeoutError,
            ConnectionError,
            TimeoutError,
        ),
    ):
        return True
    if isinstance(exc, PyMongoError) and is_transient(exc):
        return True
    return isinstance(exc, OperationFailure) and exc.code in TRANSIENT_CODES


def _reason(exc: Exception) -> str:
    """Why an event was set aside, storable whatever the exception quotes."""
    text = f"{type(exc).__name__}: {exc}"[:1000]
    return text.encode("utf-8", "backslashreplace").decode("utf-8")


def _described(marks: dict) -> dict:
    return {f"{tp.topic}:{tp.partition}": {"position": pos, "end": high} for tp, (pos, high) in marks.items()}


def _topic_id(consumer: KafkaConsumer, topic: str) -> str | None:
    topic_id = consumer._client.cluster.topic_id(topic)  # kafka-python keeps topic ids only in its metadata
    return str(topic_id) if topic_id is not None else None


def lag(settings: Settings, db: Database, topics: list[str]) -> int:
    """Messages on `topics` past the checkpoints in `db` (a whole topic when it is new to them)."""
    probe = KafkaConsumer(**connection(settings), request_timeout_ms=6000, allow_auto_create_topics=False)
    try:
        partitions = [TopicPartition(t, n) for t in topics for n in sorted(probe.partitions_for_topic(t) or ())]
        if not partitions:
            return 0
        ends = end_offsets(probe, partitions)
        keys = [f"{tp.topic}:{tp.partition}" for tp in partitions]
        checkpoints = {doc["_id"]: doc for doc in db["checkpoints"].find({"_id": {"$in": keys}})}
        behind = 0
        for key, partition in zip(keys, partitions):
            checkpoint = checkpoints.get(key, {})
            done = checkpoint["offset"] + 1 if checkpoint.get("topic_id") == _topic_id(probe, partition.topic) else 0
            behind += max(0, ends[partition] - done)
        return behind
    finally:
        probe.close()


def dead_letter_count(db: Database) -> int:
    return db["dead_letters"].count_documents({})


def dead_letters(db: Database, offset: int, limit: int) -> list[dict]:
    """A page of the messages the consumers could not handle, oldest first."""
    docs = db["dead_letters"].find().sort([("at", 1), ("_id", 1)]).skip(offset).limit(limit)
    return [{"id": d.pop("_id"), **d} for d in docs]


def redrive(projection: Projection, client: MongoClient, db: Database, letter_id: str) -> int:
    """Apply a dead letter again (after a fix) in one transaction; on success it leaves the dead letters.
    Returns the dead letters left. A letter whose event was set aside is tracked as processed although it was
    not applied: the projection's `has_applied(event_id, session)`, when it has one, tells (else it is applied).
    Raises NotFound for an unknown letter, RuleViolation when the event still cannot be applied."""
    letter = db["dead_letters"].find_one({"_id": letter_id})
    if letter is None:
        raise NotFound(f"dead letter {letter_id} does not exist")
    try:
        envelope = decode(letter["value"].encode("utf-8"), projection.known_types)
    except EnvelopeError as exc:
        raise RuleViolation(f"still unusable: {exc}") from None
    has_applied = getattr(projection, "has_applied", lambda event_id, session: False)
    apply_batch = getattr(projection, "apply_batch", None)

    def again(session: ClientSession) -> None:
        db["processed"].delete_one({"_id": envelope["id"]}, session=session)
        if not has_applied(envelope["id"], session):
            if apply_batch is not None:
                apply_batch([envelope], session)
            else:
                projection.apply(envelope, session)
        db["processed"].insert_one({"_id": envelope["id"]}, session=session)
        db["dead_letters"].delete_one({"_id": letter_id}, session=session)

    try:
        in_transaction(client, again)
    except (KeyError, ValueError, TypeError, AttributeError) as exc:
        raise RuleViolation(f"still unusable: {type(exc).__name__}: {exc}") from None
    except DuplicateKeyError:
        db["dead_letters"].delete_one({"_id": letter_id})
    return dead_letter_count(db)


def report_loop_error(worker: str, exc: Exception) -> None:
    WORKER_ERRORS.labels(worker).inc()
    log.warning("worker loop failed", extra={"worker": worker, "error": type(exc).__name__})


__all__ = ["EventConsumer", "Message", "Projection", "Unhandleable", "dead_letter_count", "PyMongoError"]
