"""Where the integration tests find Kafka and MongoDB: env URIs, else testcontainers, else embedded."""

from __future__ import annotations

import os
import subprocess
import sys
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator

from jajo import embedded


def process_environment(settings, **more: str) -> dict[str, str]:
    """The environment of a service process started by a test: this test's servers and prefixes, then `more`."""
    return {
        **os.environ,
        "KAFKA_BOOTSTRAP_SERVERS": settings.kafka_bootstrap_servers,
        "MONGODB_URI": settings.mongodb_uri,
        "JAJO_DB_PREFIX": settings.db_prefix,
        "JAJO_TOPIC_PREFIX": settings.topic_prefix,
        "JAJO_TOPIC_PARTITIONS": str(settings.topic_partitions),
        **more,
    }


KAFKA_IMAGE = "confluentinc/cp-kafka:7.7.1"
MONGO_IMAGE = "mongo:7.0.14"


@dataclass
class Infra:
    kind: str
    kafka_bootstrap_servers: str
    mongodb_uri: str
    servers: dict[str, embedded.Server] = field(default_factory=dict)
    workdir: Path | None = None

    @property
    def controllable(self) -> bool:
        """Fault drills stop and start servers: only the embedded ones are ours to stop."""
        return self.kind == "embedded"

    def restart_kafka(self) -> None:
        self.stop_kafka()
        self.start_kafka()

    def stop_kafka(self) -> None:
        self.servers.pop("kafka").stop()

    def start_kafka(self) -> None:
        port = int(self.kafka_bootstrap_servers.rsplit(":", 1)[1])
        self.servers["kafka"] = embedded.start_tansu(port, self.workdir / "tansu.log")  # type: ignore[operator]

    def stop_mongo(self, kill: bool = False) -> None:
        server = self.servers.pop("mongo")
        server.kill() if kill else server.stop()

    def start_mongo(self) -> None:
        port = int(self.mongodb_uri.split(":")[2].split("/")[0])
        self.servers["mongo"] = embedded.start_secantus(port, self.workdir / "mongo", self.workdir / "mongo.log")  # type: ignore[operator]


def docker_answers() -> bool:
    """Asked in a child process: a docker client with no engine behind it leaks its socket."""
    probe = "import docker; docker.from_env(timeout=3).ping()"
    try:
        return subprocess.run([sys.executable, "-c", probe], capture_output=True, timeout=15).returncode == 0
    except subprocess.TimeoutExpired:
        return False


@contextmanager
def from_testcontainers() -> Iterator[Infra]:
    from testcontainers.core.container import DockerContainer
    from testcontainers.core.waiting_utils import wait_for_logs
    from testcontainers.kafka import KafkaContainer

    with ExitStack() as stack:
        kafka = stack.enter_context(KafkaContainer(KAFKA_IMAGE).with_kraft())
        mongo = DockerContainer(MONGO_IMAGE).with_command("--replSet rs0 --bind_ip_all").with_exposed_ports(27017)
        stack.enter_context(mongo)
        wait_for_logs(mongo, "Waiting for connections", timeout=60)
        mongo.exec(
            ["mongosh", "--quiet", "--eval", "rs.initiate({_id:'rs0',members:[{_id:0,host:'localhost:27017'}]})"]
        )
        uri = f"mongodb://{mongo.get_container_host_ip()}:{mongo.get_exposed_port(27017)}/?directConnection=true"
        yield Infra("testcontainers", kafka.get_bootstrap_server(), uri)


@contextmanager
def embedded_stack(workdir: Path) -> Iterator[Infra]:
    kafka_port, mongo_port = embedded.free_port(), embedded.free_port()
    servers = {}
    try:
        servers["kafka"] = embedded.start_tansu(kafka_port, workdir / "tansu.log")
        servers["mongo"] = embedded.start_secantus(mongo_port, workdir / "mongo", workdir / "mongo.log")
        yield Infra("embedded", f"127.0.0.1:{kafka_port}", embedded.mongo_uri(mongo_port), servers, workdir)
    finally:
        for server in list(servers.values()):
            server.stop()


@contextmanager
def infrastructure(workdir: Path) -> Iterator[Infra]:
    if os.environ.get("KAFKA_BOOTSTRAP_SERVERS") and os.environ.get("MONGODB_URI"):
        yield Infra("env", os.environ["KAFKA_BOOTSTRAP_SERVERS"], os.environ["MONGODB_URI"])
    elif docker_answers():
        with from_testcontainers() as infra:
            yield infra
    else:
        with embedded_stack(workdir) as infra:
            yield infra
