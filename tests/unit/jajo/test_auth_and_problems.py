import pytest

from jajo.http.auth import Principal, allowed, authenticate, parse_tokens
from jajo.http.problems import flatten_messages


ALICE = "a" * 20 + "-alice-s3cret-tok"
VICTOR = "v" * 20 + "-victor-v1ew-token"


def test_tokens_parse_with_their_holders_names():
    tokens = parse_tokens(f"staff:alice:{ALICE}, viewer:victor:{VICTOR}, portal:web:{'p' * 40}")
    assert tokens == [(ALICE, Principal("staff", "alice")), (VICTOR, Principal("viewer", "victor")),
                      ("p" * 40, Principal("portal", "web"))]


@pytest.mark.parametrize("spec", ["admin:x", "staff", "staff:", "staff:a:b:c", f"admin:a:{ALICE}",
                                  f"staff:{ALICE}", f"staff::{ALICE}", "staff:alice:short-token",
                                  "staff:staff:change-me-to-a-long-random-token",
                                  f"staff:a:{'x' * 31}", f"staff:alice:{ALICE},viewer:victor:{ALICE}"])
def test_malformed_short_placeholder_nameless_and_repeated_tokens_are_refused(spec):
    with pytest.raises(ValueError):
        parse_tokens(spec)


def test_authenticate_needs_the_exact_bearer_token():
    tokens = parse_tokens(f"staff:alice:{ALICE}")
    assert authenticate(f"Bearer {ALICE}", tokens) == Principal("staff", "alice")
    for header in (None, "", ALICE, f"Basic {ALICE}", f"Bearer {ALICE[:-1]}", f"Bearer {ALICE}2"):
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
