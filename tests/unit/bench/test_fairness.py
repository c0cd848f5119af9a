"""The benchmarks' fairness rules that can be checked without servers (docs/benchmarks.md)."""

from __future__ import annotations

import threading
import time

from bench.freshness import summary
from bench.harness import alternate, concurrent_rate
from bench.projection import _rate


def test_contenders_alternate_round_by_round():
    order: list[str] = []
    alternate(
        {"jajo": lambda r: order.append(f"jajo{r}") or 1.0, "limit": lambda r: order.append(f"limit{r}") or 1.0}, 3
    )
    assert order == ["jajo0", "limit0", "jajo1", "limit1", "jajo2", "limit2"]


def test_the_limit_runs_with_as_many_concurrent_clients_as_the_jajo_side():
    running, peak, lock = set(), [0], threading.Lock()

    def operation(_: int) -> None:
        with lock:
            running.add(threading.get_ident())
            peak[0] = max(peak[0], len(running))
        time.sleep(0.02)
        with lock:
            running.discard(threading.get_ident())

    concurrent_rate(operation, 64, clients=8)
    assert peak[0] == 8


def test_the_catch_up_clock_starts_before_the_first_batch_on_both_sides():
    # two processes that started at 100 and 101 and wrote their last batch at 110: 10 s, not from a first batch
    results = [{"started": 100.0, "last": 110.0, "handled": 600}, {"started": 101.0, "last": 108.0, "handled": 400}]
    assert _rate(results, 1000) == 100.0


def test_freshness_percentiles_pool_every_round():
    # one slow round: a median of the rounds' p99s would say 0.1 s; the pooled p99 says 2 s
    lags = summary([[0.1] * 50 + [2.0] * 50, [0.1] * 100, [0.1] * 100])
    assert lags["p99"] == 2.0 and lags["p50"] == 0.1 and lags["p99s"] == [2.0, 0.1, 0.1] and lags["pooled"] == 300
