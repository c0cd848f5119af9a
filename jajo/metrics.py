"""Prometheus metrics shared by every service and worker."""

from prometheus_client import Counter, Gauge, Histogram

REQUESTS = Histogram("jajo_http_request_seconds", "HTTP request latency", ["service", "method", "endpoint", "status"])
EVENTS_APPENDED = Counter("jajo_events_appended_total", "Events stored in the event store", ["service", "type"])
RELAYED = Counter("jajo_events_relayed_total", "Events published from the outbox to Kafka", ["topic"])
CONSUMED = Counter("jajo_events_consumed_total", "Events applied by a consumer", ["consumer"])
DUPLICATES = Counter("jajo_events_duplicate_total", "Redelivered events skipped by a consumer", ["consumer"])
DEAD_LETTERS = Counter(
    "jajo_dead_letters_total",
    "Messages a consumer set aside, by reason class (jajo.envelope.DEAD_LETTER_KINDS)",
    ["consumer", "reason"],
)
WORKER_ERRORS = Counter("jajo_worker_errors_total", "Failures in background loops", ["worker"])
CONSUMER_STALLED = Gauge(
    "jajo_consumer_stalled",
    "1 while a consumer member makes no progress (batches failing, "
    "or stopped) for longer than JAJO_CONSUMER_STALLED_SECONDS",
    ["member"],
    multiprocess_mode="mostrecent",
)
CONSUMER_IDLE_SECONDS = Gauge(
    "jajo_consumer_seconds_since_progress",
    "Seconds since a consumer member last made progress",
    ["member"],
    multiprocess_mode="mostrecent",
)
CONSUMER_LAG = Gauge(
    "jajo_consumer_lag",
    "Messages a consumer has yet to read of a partition: its end offset (high watermark) less the consumer's position",
    ["consumer", "partition"],
    multiprocess_mode="mostrecent",
)
OUTBOX_AGE = Gauge(
    "jajo_outbox_oldest_age_seconds",
    "Age of the oldest event still in a service's outbox (0 when it is empty), as the relay last saw it",
    ["service"],
    multiprocess_mode="mostrecent",
)
