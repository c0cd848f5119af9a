from functools import partial

from jajo.access import AccessLog
from jajo.answers import forget_answers
from jajo.bootstrap import Service, database, personal_cipher, write_service
from jajo.config import Settings
from services.registration.clock import Clock, seoul_today
from services.registration.handlers import handlers
from services.registration.retention import Retention, RetentionSweep
from services.registration.views import RegistrationViews


def bootstrap(settings: Settings, clock: Clock = seoul_today) -> Service:
    """`clock` gives "today" (the join and leave date, and the day retention is judged on); tests pass a fixed one.
    Parts beside the write side and `views`: `retention` (who is due for erasure), swept by a background loop."""
    client, db = database("registration", settings)
    cipher = personal_cipher(client, settings)  # one key store: the one erasure shreds is the one that opens
    views = RegistrationViews(db)
    service = write_service(
        "registration",
        settings,
        handlers(cipher.keys, partial(forget_answers, db), clock),
        cipher=cipher,
        erasure_in_history=True,  # a member's key is destroyed only with MemberErased in their group's stream
        views=views,
        parts={"access": AccessLog.of(settings)},  # who read members' personal data, and its listing
        background=[lambda service: RetentionSweep(service.retention, settings.retention_interval_seconds)],
    )
    assert service.store is not None and service.bus is not None
    service.parts["retention"] = Retention(views.closed_groups, service.store, service.bus, clock)
    return service
