"""Property (issue 14): generated envelopes of every shape, valid and not, go through each consumer's
parse-and-apply path; every one is applied or dead-lettered and none stops the consumer."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import HealthCheck, given, settings as hypothesis_settings, strategies as st

from jajo.consumer import EventConsumer, Message
from tests.hostile import MESSAGE_VALUES, check_every_message_applied_or_dead_lettered


def projections(settings):
    from services.activity.files import DocumentFiles
    from services.activity.views import RegistrationView
    from services.reporting.bootstrap import bootstrap
    from services.survey.views import MembersProjection

    reporting = bootstrap(settings).ensure_indexes()
    db = reporting.client[settings.database_name("hostile")]
    return {
        "reporting": (reporting.projection(), reporting.db),
        "activity": (RegistrationView(db, settings, DocumentFiles(db)), db),
        "survey": (MembersProjection(db, settings), db),
    }


def fuzz_consumer(settings, which: str, examples: int) -> dict:
    """Runs the property; returns its figures (messages sent, dead letters, events applied)."""
    projection, db = projections(settings)[which]
    consumer = EventConsumer(projection, db.client, db)
    offsets = itertools.count()
    topic = projection.topics[0]

    @hypothesis_settings(
        max_examples=examples,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    @given(st.lists(MESSAGE_VALUES, min_size=1, max_size=6))
    def every_message_is_applied_or_set_aside(values):
        messages = [Message(topic, 0, next(offsets), b"k", value) for value in values]
        consumer.handle(messages)  # must raise nothing
        check_every_message_applied_or_dead_lettered(consumer, messages)

    every_message_is_applied_or_set_aside()
    consumer.close()
    return {
        "consumer": which,
        "examples": examples,
        "messages": next(offsets),
        "dead_letters": db["dead_letters"].count_documents({}),
        "applied": db["processed"].count_documents({}),
    }


@pytest.mark.parametrize("which", ["reporting", "activity", "survey"])
def test_generated_messages_are_applied_or_dead_lettered(settings, which):
    fuzz_consumer(settings, which, examples=25)
