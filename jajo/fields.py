"""Marshmallow fields for the contract's formats: dates `YYYY-MM-DD`, times `HH:MM`, RFC 3339 timestamps."""
from __future__ import annotations

import re
from datetime import timezone

from marshmallow import fields

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
