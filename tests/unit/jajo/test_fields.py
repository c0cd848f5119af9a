import pytest
from marshmallow import Schema, ValidationError

from jajo.fields import Timestamp


class Window(Schema):
    since = Timestamp()


def test_a_timestamp_keeps_its_offset():
    moment = Window().load({"since": "2025-12-31T23:59:59+09:00"})["since"]
    assert moment.utcoffset().total_seconds() == 9 * 3600


@pytest.mark.parametrize("value", ["0001-01-01T01:03:17+12:17", "9999-12-31T23:00:00-05:00"])
def test_a_timestamp_that_leaves_the_calendar_in_utc_is_rejected(value):
    with pytest.raises(ValidationError, match="out of range"):
        Window().load({"since": value})


def test_a_timestamp_needs_an_offset():
    with pytest.raises(ValidationError):
        Window().load({"since": "2025-12-31T23:59:59"})
