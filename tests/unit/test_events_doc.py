"""docs/events.md is written from the event declarations: the file and the code never differ."""
from jajo import events_doc


def test_docs_events_md_is_what_the_declarations_generate():
    generated = events_doc.render(events_doc.catalogues())
    assert events_doc.DOC.read_text(encoding="utf-8") == generated, "run: python -m jajo.events_doc"


def test_every_type_is_declared_once_and_every_catalogue_names_its_topic():
    catalogues = events_doc.catalogues()
    names = [event.name for catalogue in catalogues for event in catalogue.types]
    assert len(names) == len(set(names))
    assert [c.topic for c in catalogues] == ["registration.events", "activity.events", "survey.events"]
