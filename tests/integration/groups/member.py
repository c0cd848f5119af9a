"""One group-mode member of a small projection, as a process of its own (test_consumer_group.py kills one).

Settings from the environment as a worker's; the tally counts each event it applies, so an event applied twice
shows as n == 2. The member writes which partitions it holds to `members` after every loop, for the test."""

from __future__ import annotations

import threading

from pymongo.client_session import ClientSession

from jajo.bootstrap import Service, database
from jajo.config import load_settings
from jajo.http.logs import configure_logging
from jajo.worker import run_loop


class Tally:
    name = "tally"
    known_types = None

    def __init__(self, service: Service, member: str):
        self.db, self.member = service.db, member
        self.topics = [service.settings.topic("activity.events")]

    def apply(self, envelope: dict, session: ClientSession) -> None:
        self.db["tally"].update_one(
            {"_id": envelope["id"]}, {"$inc": {"n": 1}, "$set": {"by": self.member}}, upsert=True, session=session
        )


class Reporting:
    """The member's consumer loop, telling after each round which partitions it holds."""

    def __init__(self, service: Service):
        self.loop = service.consumer()
        self.name, self.db, self.member = self.loop.name, service.db, service.settings.consumer_member_name()

    def run_once(self) -> int:
        done = self.loop.run_once()
        held = self.loop._consumer.assignment() if self.loop._consumer is not None else set()
        partitions = sorted(f"{p.topic}:{p.partition}" for p in held)
        self.db["members"].replace_one({"_id": self.member}, {"partitions": partitions}, upsert=True)
        return done

    def close(self) -> None:
        self.loop.close()


def main() -> None:
    settings = load_settings()
    configure_logging("groups-member", settings.log_level)
    client, db = database("groups", settings)
    service = Service("groups", settings, client, db)
    service.projection = lambda: Tally(service, settings.consumer_member_name())
    run_loop(Reporting(service), threading.Event(), idle_seconds=0.02)


if __name__ == "__main__":
    main()
