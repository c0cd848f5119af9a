"""What every benchmark needs: servers to measure against and side-by-side medians."""
from __future__ import annotations

import os
import statistics
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Callable, Iterator

from jajo import embedded
from jajo.config import Settings


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


def side_by_side(contenders: dict[str, Callable[[int], float]], rounds: int) -> dict[str, float]:
    """Median rate of each contender over `rounds` rounds, run alternately so noise hits all alike."""
    results: dict[str, list[float]] = {name: [] for name in contenders}
    for round_number in range(rounds):
        for name, run in contenders.items():
            results[name].append(run(round_number))
    return {name: statistics.median(rates) for name, rates in results.items()}


def machine() -> str:
    return f"{os.cpu_count()} cores, Python {'.'.join(map(str, __import__('sys').version_info[:3]))}"
