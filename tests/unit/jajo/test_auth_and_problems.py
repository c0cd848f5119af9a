import pytest

from jajo.http.auth import Principal, allowed, authenticate, parse_tokens
from jajo.http.problems import flatten_messages


def test_tokens_parse_with_and_without_names():
    tokens = parse_tokens("staff:alice:s3cret, viewer:v1ew")
    assert tokens == [("s3cret", Principal("staff", "alice")), ("v1ew", Principal("viewer", "viewer2"))]


@pytest.mark.parametrize("spec", ["admin:x", "staff", "staff:", "staff:a:b:c"])
def test_malformed_token_specs_are_refused(spec):
    with pytest.raises(ValueError):
        parse_tokens(spec)


def test_authenticate_needs_the_exact_bearer_token():
    tokens = parse_tokens("staff:alice:s3cret")
    assert authenticate("Bearer s3cret", tokens) == Principal("staff", "alice")
    for header in (None, "", "s3cret", "Basic s3cret", "Bearer s3cre", "Bearer s3cret2"):
        assert authenticate(header, tokens) is None


def test_viewers_read_only_where_allowed():
    viewer, staff = Principal("viewer", "v"), Principal("staff", "s")
    assert allowed(viewer, "GET", viewer_reads=True)
    assert not allowed(viewer, "POST", viewer_reads=True)
    assert not allowed(viewer, "GET", viewer_reads=False)
    assert allowed(staff, "DELETE", viewer_reads=False)


def test_validation_messages_flatten_to_dotted_field_names():
    messages = {"json": {"name": ["Missing data."], "children": {"0": {"birth_date": ["Not a valid date."]}}}}
    assert flatten_messages(messages) == {
        "name": ["Missing data."],
        "children.0.birth_date": ["Not a valid date."],
    }
