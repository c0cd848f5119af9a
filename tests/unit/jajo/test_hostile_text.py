"""The shared text field and filename cleaning (issue 14), without servers."""

import unicodedata

import pytest
from marshmallow import Schema, ValidationError, fields, validate

from jajo.fields import Text, clean_filename
from jajo.http.disposition import content_disposition
from services.activity.schemas import Id as ACTIVITY_ID  # activity's ids: 1–64 characters


class Form(Schema):
    name = Text()
    notes = Text(multiline=True)


@pytest.mark.parametrize(
    "raw, clean",
    [
        ("보고서\r\nSet-Cookie: a=b.pdf", "보고서  Set-Cookie: a=b.pdf"),
        ("C:\\Users\\me\\receipt.jpg", "receipt.jpg"),
        ("../../etc/passwd", "passwd"),
        ("\u202egpj.exe", "gpj.exe"),
        ("\ud800.jpg", "?.jpg"),
        ("", "upload"),
        (None, "upload"),
        ("." * 10, "upload"),
    ],
)
def test_filenames_are_cleaned(raw, clean):
    assert clean_filename(raw) == clean


def test_content_disposition_is_rfc_6266_with_an_ascii_fallback():
    header = content_disposition('보고서 "1"\r\n.pdf')
    assert header == (
        "attachment; filename=\"___ _1_  .pdf\"; filename*=UTF-8''%EB%B3%B4%EA%B3%A0%EC%84%9C%20%221%22%20%20.pdf"
    )


def test_text_is_nfc_and_clean_or_refused():
    assert Form().load({"name": "\u1112\u1162\u11ba\u200d", "notes": "a\nb\tc"}) == {"name": "햇", "notes": "a\nb\tc"}
    for bad in ({"name": "a\nb"}, {"name": "\ud800"}, {"notes": "a\x00"}, {"name": "\x9b"}):
        with pytest.raises(ValidationError):
            Form().load(bad)


def test_tokens_and_the_mongodb_uri_are_read_from_secret_files(tmp_path, monkeypatch):
    from jajo.config import load_settings

    tokens = tmp_path / "api_tokens"
    tokens.write_text("staff:alice:" + "t" * 40 + "\n")
    monkeypatch.setenv("API_TOKENS_FILE", str(tokens))
    monkeypatch.setenv("API_TOKENS", "ignored")
    assert load_settings().api_tokens == "staff:alice:" + "t" * 40


# --- every service: human-entered strings are Text (NFC), only codes, ids and URLs are plain strings ----------
NFD = unicodedata.normalize("NFD", "햇살 모임 후기")
NOT_HUMAN_TEXT = {  # codes and links without a pattern of their own
    ("ConsentIn", "notice_version"),
    ("ConsentIn", "items"),
    ("SessionIn", "meeting_url"),
    ("SeriesIn", "meeting_url"),
    ("ExpenseQuery", "cursor"),
    ("AuditQuery", "subject"),
    ("AuditPageQuery", "subject"),
    ("AccessRecordQuery", "subject"),
}


def _input_schemas():
    """Every request body and query string schema of the four services (and the schemas they nest)."""
    from services.activity import schemas as activity
    from services.registration import schemas as registration
    from services.reporting import schemas as reporting
    from services.survey import schemas as survey

    for module in (registration, activity, survey, reporting):
        for name, value in vars(module).items():
            if (
                isinstance(value, type)
                and issubclass(value, Schema)
                and value.__module__ == module.__name__
                and name.endswith(("In", "Query", "Upload"))
            ):
                yield name, value


def _plain_strings(field):
    """The field's plain strings (also inside lists and dicts) that no list of values or pattern restricts."""
    inner = getattr(field, "inner", None) or getattr(field, "value_field", None)
    if inner is not None:
        yield from _plain_strings(inner)
    elif type(field) is fields.String and not any(
        isinstance(v, validate.OneOf) or isinstance(v, validate.Regexp) and v.regex.pattern != r"\S" or v is ACTIVITY_ID
        for v in field.validators
    ):
        yield field


def test_every_human_entered_string_of_every_service_is_text():
    plain = {
        (name, field_name)
        for name, schema in _input_schemas()
        for field_name, field in schema().fields.items()
        if list(_plain_strings(field))
    }
    assert plain <= NOT_HUMAN_TEXT, sorted(plain - NOT_HUMAN_TEXT)


@pytest.mark.parametrize(
    "schema, body, path",
    [
        ("services.registration.schemas:GroupIn", {"name": NFD, "year": 2026, "description": NFD}, ("name",)),
        ("services.activity.schemas:ConnectionIn", {"status": "ok", "note": NFD}, ("note",)),
        ("services.activity.schemas:ReturnIn", {"reason": NFD}, ("reason",)),
        ("services.activity.schemas:CancelIn", {"reason": NFD}, ("reason",)),
        (
            "services.survey.schemas:SurveyIn",
            {"title": NFD, "year": 2026, "questions": [{"id": "q1", "text": NFD, "kind": "text"}]},
            ("title",),
        ),
        ("services.survey.schemas:ResponseIn", {"respondent": "m1", "answers": {"q1": NFD}}, ("answers", "q1")),
        ("services.survey.schemas:ResponseIn", {"respondent": "m1", "answers": {"q2": [NFD]}}, ("answers", "q2", 0)),
    ],
)
def test_decomposed_hangul_arrives_nfc_in_every_service(schema, body, path):
    import importlib

    module, name = schema.split(":")
    loaded = getattr(importlib.import_module(module), name)().load(body)
    for part in path:
        loaded = loaded[part]
    assert loaded == "햇살 모임 후기" and unicodedata.is_normalized("NFC", loaded)
