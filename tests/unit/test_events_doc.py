"""docs/events.md is written from the event declarations: the file and the code never differ."""

import pytest

from jajo import events_doc
from jajo.events import EventType


def test_docs_events_md_is_what_the_declarations_generate():
    generated = events_doc.render(events_doc.catalogues())
    assert events_doc.DOC.read_text(encoding="utf-8") == generated, "run: python -m jajo.events_doc"


def test_every_type_is_declared_once_and_every_catalogue_names_its_topic():
    catalogues = events_doc.catalogues()
    names = [event.name for catalogue in catalogues for event in catalogue.types]
    assert len(names) == len(set(names))
    assert [c.topic for c in catalogues] == ["registration.events", "activity.events", "survey.events"]


def declared() -> set[str]:
    return {event.name for catalogue in events_doc.catalogues() for event in catalogue.types}


def test_every_declared_type_is_applied_by_an_aggregate_of_its_service():
    from jajo.domain import _snake
    from services.activity.domain import Budget, Document, Session, SpaceDay
    from services.registration.domain import Group
    from services.survey.domain import Response, Survey

    aggregates = (Group, Session, SpaceDay, Budget, Document, Survey, Response)
    applied = {name for name in declared() for cls in aggregates if hasattr(cls, f"on_{_snake(name)}")}
    assert declared() == applied


def test_reporting_knows_every_declared_type():
    from services.reporting.projection import EVENT_TYPES

    assert EVENT_TYPES == declared()


FREE_TEXT = {"notes", "note", "reason", "description", "filename", "meeting_url", "dial_in", "category", "consent"}


def test_viewers_are_allowed_no_personal_data_no_free_text_and_no_answers():
    for catalogue in events_doc.catalogues():
        for event in catalogue.types:
            assert set(event.viewer_fields) <= set(event.fields), event.name
            assert not set(event.viewer_fields) & (FREE_TEXT | {"personal", "answers"}), event.name


def test_a_viewer_field_that_is_not_declared_or_is_personal_is_refused():
    for allowed in (("nope",), ("personal",)):
        with pytest.raises(TypeError):
            EventType("Sample", "sample id", ("sample_id", "personal"), viewer_fields=allowed)
    sample = EventType("Sample", "sample id", ("sample_id", "note"), viewer_fields=("sample_id",))
    assert sample.for_viewers({"sample_id": "s1", "note": "비밀"}) == {"sample_id": "s1"}
