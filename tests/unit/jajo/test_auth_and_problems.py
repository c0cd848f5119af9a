import pytest

from jajo.errors import Forbidden
from jajo.http.auth import BadActorHeader, Principal, acting_person, allowed, authenticate, parse_tokens
from jajo.http.problems import flatten_messages


ALICE = "a" * 20 + "-alice-s3cret-tok"
VICTOR = "v" * 20 + "-victor-v1ew-token"


def test_tokens_parse_with_their_holders_names():
    tokens = parse_tokens(f"staff:alice:{ALICE}, viewer:victor:{VICTOR}, portal:web:{'p' * 40}")
    assert tokens == [
        (ALICE, Principal("staff", "alice")),
        (VICTOR, Principal("viewer", "victor")),
        ("p" * 40, Principal("portal", "web")),
    ]


@pytest.mark.parametrize(
    "spec",
    [
        "admin:x",
        "staff",
        "staff:",
        "staff:a:b:c",
        f"admin:a:{ALICE}",
        f"staff:{ALICE}",
        f"staff::{ALICE}",
        "staff:alice:short-token",
        "staff:staff:change-me-to-a-long-random-token",
        f"staff:a:{'x' * 31}",
        f"staff:alice:{ALICE},viewer:victor:{ALICE}",
    ],
)
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


PORTAL = Principal("portal", "web")


@pytest.mark.parametrize(
    "header, expected",
    [
        ("staff:mina", Principal("staff", "mina", "portal:web")),
        ("viewer:kim.o@c", Principal("viewer", "kim.o@c", "portal:web")),
        ("guardian:3f2a9c", Principal("guardian", "3f2a9c", "portal:web")),
        ("invite:g1/3f2a9c0b1d2e4f50", Principal("invite", "g1/3f2a9c0b1d2e4f50", "portal:web")),
    ],
)
def test_a_portal_acts_for_the_person_it_names(header, expected):
    assert acting_person(PORTAL, header) == expected
    assert acting_person(PORTAL, header).actor == header


@pytest.mark.parametrize(
    "header",
    [
        "",
        "staff",
        "staff:",
        "admin:x",
        "portal:x",
        "guardian:a b",
        "guardian:../x",
        "guardian:" + "a" * 65,
        "staff:김",
        ":x",
        "guardian:-x",
        "guardian:a.b",
        "invite:g1",
        "invite:/x",
        "invite:g1/",
        "invite:g1/a/b",
        "invite:g1/a.b",
        "invite:g/" + "a" * 63,
    ],
)
def test_a_malformed_actor_is_a_bad_request(header):
    with pytest.raises(BadActorHeader) as raised:
        acting_person(PORTAL, header)
    assert raised.value.status == 400 and "X-Jajo-Actor" in raised.value.errors


@pytest.mark.parametrize("role", ["staff", "viewer"])
def test_only_a_portal_may_name_another_person(role):
    with pytest.raises(Forbidden):
        acting_person(Principal(role, "x"), "staff:mina")
    assert acting_person(Principal(role, "x"), None) == Principal(role, "x")


def test_a_portal_acting_for_nobody_reads_only():
    assert allowed(PORTAL, "GET", viewer_reads=False) and not allowed(PORTAL, "POST", viewer_reads=True)
    assert not allowed(Principal("guardian", "m"), "GET", viewer_reads=True)  # guardians: the service's policy
    token = "t0k" * 11
    assert parse_tokens(f"portal:web:{token}")[0] == (token, PORTAL)
