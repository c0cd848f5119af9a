from jajo.access import AccessLog
from jajo.bootstrap import Service, database, write_service
from jajo.config import Settings
from services.registration.clock import Clock, seoul_today
from services.registration.handlers import handlers
from services.registration.views import RegistrationViews


def bootstrap(settings: Settings, clock: Clock = seoul_today) -> Service:
    """`clock` gives "today" (the join and leave date); tests pass a fixed one."""
    _, db = database("registration", settings)
    return write_service(
        "registration",
        settings,
        handlers(clock),
        views=RegistrationViews(db),
        parts={"access": AccessLog.of(settings)},  # who read members' personal data, and its listing
    )
