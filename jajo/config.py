"""Settings read once from the environment (12-factor), overridable in tests."""

from __future__ import annotations

import socket
from dataclasses import dataclass, field, replace

from environs import Env

TOPICS = ("registration.events", "activity.events", "survey.events")
CONSUMER_MODES = ("static", "group")


@dataclass(frozen=True)
class Settings:
    kafka_bootstrap_servers: str = "127.0.0.1:9092"
    mongodb_uri: str = "mongodb://127.0.0.1:27017/?directConnection=true"
    db_prefix: str = "jajo_"
    topic_prefix: str = ""
    topic_partitions: int = 4
    api_tokens: str = field(default="", repr=False)
    # Credentials (docker-compose.yml: one MongoDB user and one Kafka SCRAM user per service, passwords from
    # secret files). Empty: none, as on the embedded stack.
    mongodb_username: str = ""
    mongodb_password: str = field(default="", repr=False)
    kafka_security_protocol: str = "PLAINTEXT"
    kafka_sasl_mechanism: str = ""
    kafka_username: str = ""
    kafka_password: str = field(default="", repr=False)
    log_level: str = "INFO"
    relay_batch_size: int = 500
    relay_idle_seconds: float = 0.05
    relay_lease_seconds: float = 5.0
    consumer_max_poll_records: int = 500
    consumer_member: str = "0/1"
    # How consumers get their partitions (docs/deploy.md, "Consumer groups"): "static", member i/n of
    # `consumer_member` takes the partitions p % n == i (the embedded stack, tests); "group", a Kafka consumer group
    # (cooperative-sticky) named `consumer_group` (default: per projection) whose members are `consumer_name`.
    consumer_mode: str = "static"
    consumer_group: str = ""
    consumer_name: str = ""  # a group member's name, stable across its restarts (default: the host name)
    # The embedded Tansu holds a JoinGroup for the rebalance timeout (= max_poll_interval_ms): keep it short. A batch
    # must be handled within it, or the member leaves the group (its batch is then fenced, docs/deploy.md).
    consumer_max_poll_interval_ms: int = 5000
    consumer_session_timeout_ms: int = 10000  # Kafka accepts 6000 and up by default
    consumer_heartbeat_interval_ms: int = 2000
    command_retries: int = 40
    readiness_timeout_ms: int = 1000
    consumer_stalled_seconds: float = 60.0
    reporting_url: str = ""  # registration's 열람 export reads reporting's audit of a person (JAJO_REPORTING_URL)
    retention_interval_seconds: float = 86400.0  # registration's retention sweep: on start, then this often
    # How long a stored idempotent answer (its body may name people) can be replayed; the claim stays for good.
    idempotent_answer_seconds: int = 24 * 3600
    extra: dict = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.consumer_mode not in CONSUMER_MODES:
            raise ValueError(
                f"JAJO_CONSUMER_MODE must be one of {', '.join(CONSUMER_MODES)}, not {self.consumer_mode!r}"
            )

    @property
    def grouped(self) -> bool:
        return self.consumer_mode == "group"

    def consumer_group_of(self, projection: str) -> str:
        """The consumer group of a projection's members: JAJO_CONSUMER_GROUP, else one per projection and prefix."""
        return self.consumer_group or f"{self.topic_prefix}jajo.{projection}"

    def consumer_member_name(self) -> str:
        return self.consumer_name or socket.gethostname()

    def database_name(self, service: str) -> str:
        return f"{self.db_prefix}{service}"

    def topic(self, name: str) -> str:
        return f"{self.topic_prefix}{name}"

    def override(self, **changes) -> "Settings":
        return replace(self, **changes)


def secret(env: Env, name: str, default: str) -> str:
    """NAME, or the content of the file NAME_FILE names (a compose or Kubernetes secret)."""
    path = env.str(f"{name}_FILE", "")
    if path:
        with open(path, encoding="utf-8") as secret:
            return secret.read().strip()
    return env.str(name, default)


def load_settings() -> Settings:
    env = Env()
    defaults = Settings()
    return Settings(
        kafka_bootstrap_servers=env.str("KAFKA_BOOTSTRAP_SERVERS", defaults.kafka_bootstrap_servers),
        mongodb_uri=secret(env, "MONGODB_URI", defaults.mongodb_uri),
        db_prefix=env.str("JAJO_DB_PREFIX", defaults.db_prefix),
        topic_prefix=env.str("JAJO_TOPIC_PREFIX", defaults.topic_prefix),
        topic_partitions=env.int("JAJO_TOPIC_PARTITIONS", defaults.topic_partitions),
        api_tokens=secret(env, "API_TOKENS", defaults.api_tokens),
        mongodb_username=env.str("MONGODB_USERNAME", defaults.mongodb_username),
        mongodb_password=secret(env, "MONGODB_PASSWORD", defaults.mongodb_password),
        kafka_security_protocol=env.str("KAFKA_SECURITY_PROTOCOL", defaults.kafka_security_protocol),
        kafka_sasl_mechanism=env.str("KAFKA_SASL_MECHANISM", defaults.kafka_sasl_mechanism),
        kafka_username=env.str("KAFKA_USERNAME", defaults.kafka_username),
        kafka_password=secret(env, "KAFKA_PASSWORD", defaults.kafka_password),
        log_level=env.str("LOG_LEVEL", defaults.log_level),
        relay_batch_size=env.int("JAJO_RELAY_BATCH_SIZE", defaults.relay_batch_size),
        relay_idle_seconds=env.float("JAJO_RELAY_IDLE_SECONDS", defaults.relay_idle_seconds),
        relay_lease_seconds=env.float("JAJO_RELAY_LEASE_SECONDS", defaults.relay_lease_seconds),
        consumer_max_poll_records=env.int("JAJO_CONSUMER_MAX_POLL_RECORDS", defaults.consumer_max_poll_records),
        consumer_member=env.str("JAJO_CONSUMER_MEMBER", defaults.consumer_member),
        consumer_mode=env.str("JAJO_CONSUMER_MODE", defaults.consumer_mode).strip().lower(),
        consumer_group=env.str("JAJO_CONSUMER_GROUP", defaults.consumer_group),
        consumer_name=env.str("JAJO_CONSUMER_NAME", defaults.consumer_name),
        consumer_max_poll_interval_ms=env.int(
            "JAJO_CONSUMER_MAX_POLL_INTERVAL_MS", defaults.consumer_max_poll_interval_ms
        ),
        consumer_session_timeout_ms=env.int("JAJO_CONSUMER_SESSION_TIMEOUT_MS", defaults.consumer_session_timeout_ms),
        consumer_heartbeat_interval_ms=env.int(
            "JAJO_CONSUMER_HEARTBEAT_INTERVAL_MS", defaults.consumer_heartbeat_interval_ms
        ),
        command_retries=env.int("JAJO_COMMAND_RETRIES", defaults.command_retries),
        readiness_timeout_ms=env.int("JAJO_READINESS_TIMEOUT_MS", defaults.readiness_timeout_ms),
        consumer_stalled_seconds=env.float("JAJO_CONSUMER_STALLED_SECONDS", defaults.consumer_stalled_seconds),
        reporting_url=env.str("JAJO_REPORTING_URL", defaults.reporting_url),
        retention_interval_seconds=env.float("JAJO_RETENTION_INTERVAL_SECONDS", defaults.retention_interval_seconds),
        idempotent_answer_seconds=env.int("JAJO_IDEMPOTENT_ANSWER_SECONDS", defaults.idempotent_answer_seconds),
    )
