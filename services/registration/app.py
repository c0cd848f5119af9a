from functools import partial

from jajo.config import Settings
from jajo.http import outbox
from jajo.http.app import create_service_app
from services.registration import api, bootstrap, events, invites
from services.registration.clock import Clock, seoul_today


def create_app(settings: Settings | None = None, *, clock: Clock = seoul_today, **options):
    """`clock` gives "today" (the join and leave date); tests pass a fixed one."""
    return create_service_app(
        "registration",
        [*api.BLUEPRINTS, outbox.blp],
        partial(bootstrap.bootstrap, clock=clock),
        settings,
        description=(
            "Groups (자조모임), their guardians and children. Every change is an event on `registration.events` "
            "(CloudEvents envelope, `dataversion` 1; see docs/events.md). Personal data (names, phones, birth "
            "dates) travels only under `data.personal` of `MemberJoined`, sealed under the member's own key; "
            "erasure destroys the key."
        ),
        invite_policy=invites.POLICY,
        catalogue=events.CATALOGUE,
        **options,
    )
