"""Gunicorn settings shared by the four services: `gunicorn -c jajo/gunicorn_conf.py 'services.<name>.app:create_app()'`.

Everything is overridable by environment (12-factor) and by gunicorn's own command-line flags (`--bind` etc.):

    PORT              port to listen on, on 0.0.0.0 (default 8000)
    WEB_CONCURRENCY   worker processes (default 2 * cores + 1, at most 8)
    GUNICORN_THREADS  threads per worker (default 4)
    GUNICORN_TIMEOUT, GUNICORN_GRACEFUL_TIMEOUT, GUNICORN_KEEPALIVE   seconds (30, 20, 5)
    JAJO_SERVICE      when no app is named on the command line, serve `services.<JAJO_SERVICE>.app:create_app()`

The app is not preloaded: kafka-python producers and pymongo clients are not fork-safe, and the app factory wires them
lazily, in each worker, on first use (jajo.http.app.LazyService, jajo.mongo.client_for keyed by pid).
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path


def _int(name: str, default: int) -> int:
    value = os.environ.get(name, "").strip()
    return int(value) if value else default


def _cores() -> int:
    try:
        return len(os.sched_getaffinity(0))  # honours the container's cpuset
    except AttributeError:  # pragma: no cover - not Linux
        return os.cpu_count() or 1


MAX_DEFAULT_WORKERS = 8

bind = [f"0.0.0.0:{_int('PORT', 8000)}"]
workers = _int("WEB_CONCURRENCY", min(2 * _cores() + 1, MAX_DEFAULT_WORKERS))
worker_class = "gthread"
threads = _int("GUNICORN_THREADS", 4)
timeout = _int("GUNICORN_TIMEOUT", 30)
graceful_timeout = _int("GUNICORN_GRACEFUL_TIMEOUT", 20)
keepalive = _int("GUNICORN_KEEPALIVE", 5)
preload_app = False
# Gunicorn 25+ opens a control socket in $HOME by default: one path for every service on a host, and no home in the
# container. Nothing here uses it.
control_socket_disable = True
# The heartbeat file lives in memory: on an overlay filesystem a slow fsync can get a healthy worker killed.
worker_tmp_dir = "/dev/shm" if os.path.isdir("/dev/shm") and os.access("/dev/shm", os.W_OK) else None

if os.environ.get("JAJO_SERVICE"):
    wsgi_app = f"services.{os.environ['JAJO_SERVICE']}.app:create_app()"

# The app writes its own JSON access log line per request (jajo.http.logs); gunicorn's would repeat it.
accesslog = None
errorlog = "-"
loglevel = os.environ.get("LOG_LEVEL", "info").lower()
logconfig_dict = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "json": {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "fmt": "%(asctime)s %(levelname)s %(name)s %(message)s",
        }
    },
    "handlers": {
        "error_console": {"class": "logging.StreamHandler", "formatter": "json", "stream": "ext://sys.stderr"},
    },
    "root": {"level": loglevel.upper(), "handlers": ["error_console"]},
    "loggers": {
        "gunicorn.error": {"handlers": ["error_console"], "level": loglevel.upper(), "propagate": False},
        # With a logging config gunicorn logs access lines whatever `accesslog` says: drop them here.
        "gunicorn.access": {"handlers": [], "level": "CRITICAL", "propagate": False},
    },
}

# Several worker processes answer /metrics in turn: prometheus_client's multiprocess mode adds their numbers up.
# One directory per port so that services sharing a host (the embedded stack) do not mix their metrics.
os.environ.setdefault(
    "PROMETHEUS_MULTIPROC_DIR", str(Path(tempfile.gettempdir()) / f"jajo-prometheus-{_int('PORT', 8000)}")
)


def on_starting(server) -> None:
    """Start from empty metrics: files left by a previous run would be added to this one's."""
    folder = Path(os.environ["PROMETHEUS_MULTIPROC_DIR"])
    folder.mkdir(parents=True, exist_ok=True)
    for stale in folder.glob("*.db"):
        stale.unlink()


def post_fork(server, worker) -> None:
    """Nothing heavy here: Kafka and MongoDB clients are made lazily inside the worker, after this fork. Tracing
    (only with OTEL_EXPORTER_OTLP_ENDPOINT set) starts here too: its export thread would not survive the fork."""
    from jajo import tracing

    server.log.info("worker %s forked", worker.pid)
    tracing.setup(service_of(getattr(server.app, "app_uri", None) or server.cfg.wsgi_app))


def worker_exit(server, worker) -> None:
    from jajo import tracing

    tracing.shutdown()  # export the spans still buffered


def service_of(app_uri: str | None) -> str:
    """`services.registration.app:create_app()` -> `registration` (the traces' service name)."""
    parts = (app_uri or "").split(".")
    return parts[1] if len(parts) > 2 and parts[0] == "services" else "jajo"


def child_exit(server, worker) -> None:
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)
