"""Marshmallow fields for the contract's formats: dates `YYYY-MM-DD`, times `HH:MM`, RFC 3339 timestamps."""

from __future__ import annotations

import re
import unicodedata
from datetime import timezone

from marshmallow import fields

from jajo.safejson import encodable

_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_TIME = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")


class IsoDate(fields.Date):
    """A calendar date written exactly `YYYY-MM-DD` (no `20260501`, no time part)."""

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, str) or not _DATE.match(value):
            raise self.make_error("invalid", input=value, obj_type=self.OBJ_TYPE)
        return super()._deserialize(value, attr, data, **kwargs)


class ClockTime(fields.String):
    """A time of day `HH:MM`, 00:00–23:59, kept as that string."""

    default_error_messages = {"time": "Not a valid time: use HH:MM (00:00–23:59)."}

    def __init__(self, **kwargs):
        kwargs.setdefault("metadata", {}).setdefault("pattern", _TIME.pattern)
        kwargs["metadata"].setdefault("example", "10:00")
        super().__init__(**kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        text = super()._deserialize(value, attr, data, **kwargs)
        if not _TIME.match(text):
            raise self.make_error("time")
        return text


class Timestamp(fields.AwareDateTime):
    """An RFC 3339 timestamp with its offset, that stays an instant once converted to UTC (years 1–9999):
    `0001-01-01T01:00:00+12:00` is valid RFC 3339 but no date BSON or Python can hold."""

    default_error_messages = {"range": "Not a valid timestamp: out of range once converted to UTC."}

    def _deserialize(self, value, attr, data, **kwargs):
        moment = super()._deserialize(value, attr, data, **kwargs)
        try:
            moment.astimezone(timezone.utc)
        except OverflowError:
            raise self.make_error("range") from None
        return moment


# C0 and C1 controls (a multi-line text keeps its line breaks and tabs)
_CONTROLS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_LINE_CONTROLS = re.compile("[\t\n\r]")
# invisible formatting: bidi embeddings, overrides and isolates, zero-width characters, the BOM, line separators
_INVISIBLE = re.compile("[\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\u2028\u2029\ufeff]")


class Text(fields.String):
    """Every human-entered string: NFC-normalised (a macOS client sends decomposed Hangul), invisible bidi
    and zero-width marks removed, trimmed; control characters and lone surrogates → 422. Validators
    (lengths) see the cleaned text."""

    default_error_messages = {
        "control": "Not valid text: it holds control characters.",
        "surrogate": "Not valid text: it holds a lone surrogate (no Unicode character).",
    }

    def __init__(self, *, multiline: bool = False, **kwargs):
        self.multiline = multiline
        super().__init__(**kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        text = super()._deserialize(value, attr, data, **kwargs)
        if not encodable(text):
            raise self.make_error("surrogate")
        text = _INVISIBLE.sub("", unicodedata.normalize("NFC", text))
        if _CONTROLS.search(text) or (not self.multiline and _LINE_CONTROLS.search(text.strip())):
            raise self.make_error("control")
        return text.strip()


MAX_FILENAME = 200


def clean_filename(raw: str | None, default: str = "upload") -> str:
    """An uploaded file's name as it may be stored and sent back: its last path part, NFC, without control,
    bidi or zero-width characters, no leading dots, at most MAX_FILENAME characters (its extension kept)."""
    text = (raw or "").replace("\\", "/").rsplit("/", 1)[-1]
    text = text.encode("utf-8", "replace").decode("utf-8") if not encodable(text) else text
    text = _INVISIBLE.sub("", unicodedata.normalize("NFC", text))
    text = _CONTROLS.sub("", _LINE_CONTROLS.sub(" ", text)).strip().lstrip(".").strip()
    if len(text) > MAX_FILENAME:
        stem, dot, extension = text.rpartition(".")
        extension = extension[:20] if dot and stem else ""
        text = text[: MAX_FILENAME - len(extension) - 1].rstrip() + ("." + extension if extension else "")
    return text or default
