"""Drill 10: hostile messages on the topics (issue 14). Generated envelopes of every shape, valid and not, go
through each consumer's parse-and-apply path: every one is applied or dead-lettered, none stops the consumer.
`make test` runs 10 examples per consumer here (and 25 in tests/integration); `make drills` 400."""

from __future__ import annotations

import os

import pytest

from tests.drills.harness import record
from tests.integration.test_hostile_topics_property import fuzz_consumer

pytestmark = pytest.mark.integration


@pytest.mark.parametrize("which", ["reporting", "activity", "survey"])
def test_fuzz_topics(settings, which, scale):
    examples = int(os.environ.get("JAJO_FUZZ_EXAMPLES", scale(10, 400)))
    figures = fuzz_consumer(settings, which, examples)
    record({"drill": "fuzz topics", **figures})
    assert figures["messages"] >= examples
