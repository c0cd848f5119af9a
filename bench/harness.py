"""What every benchmark needs: servers to measure against and side-by-side medians."""

from __future__ import annotations

import os
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Callable, Iterator

import requests

from jajo import embedded
from jajo.config import Settings
from jajo.stack import gunicorn_command


@contextmanager
def servers() -> Iterator[Settings]:
    """KAFKA_BOOTSTRAP_SERVERS/MONGODB_URI when given, else a private embedded stack on free ports."""
    if os.environ.get("KAFKA_BOOTSTRAP_SERVERS") and os.environ.get("MONGODB_URI"):
        yield Settings(os.environ["KAFKA_BOOTSTRAP_SERVERS"], os.environ["MONGODB_URI"], db_prefix="bench_")
        return
    with tempfile.TemporaryDirectory(prefix="jajo-bench-") as folder:
        work = Path(folder)
        kafka_port, mongo_port = embedded.free_port(), embedded.free_port()
        kafka = embedded.start_tansu(kafka_port, work / "tansu.log")
        mongo = embedded.start_secantus(mongo_port, work / "mongo", work / "mongo.log")
        try:
            yield Settings(f"127.0.0.1:{kafka_port}", embedded.mongo_uri(mongo_port), db_prefix="bench_")
        finally:
            kafka.stop()
            mongo.stop()


def rate(operation: Callable[[int], None], count: int) -> float:
    """Operations per second of `count` calls of `operation(i)`."""
    started = time.perf_counter()
    for i in range(count):
        operation(i)
    return count / (time.perf_counter() - started)


def concurrent_rate(operation: Callable[[int], None], count: int, clients: int) -> float:
    """Operations per second of `count` calls of `operation(i)` shared by `clients` threads: the clock starts
    before the first thread starts and stops after the last one ends (the same points as the Jajo side)."""
    numbers = iter(range(count))
    lock = threading.Lock()
    errors: list[BaseException] = []

    def client() -> None:
        while True:
            with lock:
                i = next(numbers, None)
            if i is None:
                return
            try:
                operation(i)
            except BaseException as exc:  # noqa: BLE001 - raised below
                errors.append(exc)
                return

    threads = [threading.Thread(target=client) for _ in range(clients)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    if errors:
        raise errors[0]
    return count / elapsed


def side_by_side(contenders: dict[str, Callable[[int], float]], rounds: int) -> dict[str, float]:
    """Median rate of each contender over `rounds` rounds, run alternately (round 1 of each, then round 2 of
    each, ...) so that the machine's noise hits all alike."""
    results = alternate(contenders, rounds)
    return {name: statistics.median(rates) for name, rates in results.items()}


def alternate(contenders: dict[str, Callable[[int], float]], rounds: int) -> dict[str, list[float]]:
    """Every contender's result of every round, run round by round in turn."""
    results: dict[str, list[float]] = {name: [] for name in contenders}
    for round_number in range(rounds):
        for name, run in contenders.items():
            results[name].append(run(round_number))
    return results


def machine() -> str:
    return f"{os.cpu_count()} cores, Python {'.'.join(map(str, __import__('sys').version_info[:3]))}"


# --- what the scenarios share -----------------------------------------------------------------------------
TOKEN = "bench-staff-token-0123456789abcdefghij"
HEADERS = {"Authorization": f"Bearer {TOKEN}"}
ROOT = Path(__file__).resolve().parent.parent


def percentile(values: list[float], q: float) -> float:
    """The q-th percentile (0–100), nearest rank."""
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    rank = max(0, min(len(ordered) - 1, int(round(q / 100 * len(ordered) + 0.5)) - 1))
    return ordered[rank]


def environment(settings: Settings, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("WEB_CONCURRENCY", "GUNICORN_THREADS")}
    env.update(
        {
            "KAFKA_BOOTSTRAP_SERVERS": settings.kafka_bootstrap_servers,
            "MONGODB_URI": settings.mongodb_uri,
            "JAJO_DB_PREFIX": settings.db_prefix,
            "JAJO_TOPIC_PREFIX": settings.topic_prefix,
            "API_TOKENS": f"staff:bench:{TOKEN}",
            "PYTHONUNBUFFERED": "1",
            "PYTHONPATH": str(ROOT),
        }
    )
    env.update(extra)
    return env


def children_of(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid:
                found.append(int(entry.name))
    return found


def peak_rss_mb(pid: int) -> float:
    """Peak resident set size (VmHWM) of one process, in MiB."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return float("nan")


class Process:
    """A subprocess in its own process group, its output in a log file."""

    def __init__(self, command: list[str], env: dict[str, str], log: Path):
        self.log = log
        with open(log, "ab") as out:
            self.popen = subprocess.Popen(
                command, stdout=out, stderr=subprocess.STDOUT, env=env, cwd=ROOT, start_new_session=True
            )

    @property
    def pid(self) -> int:
        return self.popen.pid

    def peak_rss(self) -> dict[str, Any]:
        """Peak RSS of the process and of each of its children (gunicorn's workers)."""
        return {"main": peak_rss_mb(self.pid), "children": [peak_rss_mb(p) for p in children_of(self.pid)]}

    def stop(self, timeout: float = 15) -> None:
        if self.popen.poll() is None:
            os.killpg(self.pid, signal.SIGTERM)
            try:
                self.popen.wait(timeout)
            except subprocess.TimeoutExpired:
                os.killpg(self.pid, signal.SIGKILL)
                self.popen.wait()


def gunicorn(service: str, settings: Settings, work: Path, **env: str) -> tuple[Process, str]:
    """`services.<service>` under gunicorn with jajo/gunicorn_conf.py's default worker count, on a free port."""
    port = embedded.free_port()
    command = gunicorn_command(service, port)
    process = Process(command, environment(settings, PORT=str(port), **env), work / f"{service}.log")
    base = f"http://127.0.0.1:{port}"

    def ready() -> bool:
        if process.popen.poll() is not None:
            raise RuntimeError(f"{service} exited; see {process.log}")
        try:
            return requests.get(f"{base}/readyz", timeout=2).status_code == 200
        except requests.RequestException:
            return False

    embedded.wait_until(ready, 90, f"{service} /readyz", interval=0.2)
    return process, base


def worker(module: str, settings: Settings, work: Path, name: str | None = None, **env: str) -> Process:
    return Process([sys.executable, "-m", module], environment(settings, **env), work / f"{name or module}.log")


def workdir() -> Path:
    folder = Path(tempfile.mkdtemp(prefix="jajo-bench-work-"))
    return folder
