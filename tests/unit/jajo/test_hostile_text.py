"""The shared text field and filename cleaning (issue 14), without servers."""
import pytest
from marshmallow import Schema, ValidationError

from jajo.fields import Text, clean_filename
from jajo.http.disposition import content_disposition


class Form(Schema):
    name = Text()
    notes = Text(multiline=True)


@pytest.mark.parametrize("raw, clean", [
    ("보고서\r\nSet-Cookie: a=b.pdf", "보고서  Set-Cookie: a=b.pdf"),
    ("C:\\Users\\me\\receipt.jpg", "receipt.jpg"),
    ("../../etc/passwd", "passwd"),
    ("\u202egpj.exe", "gpj.exe"),
    ("\ud800.jpg", "?.jpg"),
    ("", "upload"),
    (None, "upload"),
    ("." * 10, "upload"),
])
def test_filenames_are_cleaned(raw, clean):
    assert clean_filename(raw) == clean


def test_content_disposition_is_rfc_6266_with_an_ascii_fallback():
    header = content_disposition('보고서 "1"\r\n.pdf')
    assert header == ("attachment; filename=\"___ _1_  .pdf\"; "
                      "filename*=UTF-8''%EB%B3%B4%EA%B3%A0%EC%84%9C%20%221%22%20%20.pdf")


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
