from jajo.bootstrap import Service, database, write_service
from jajo.config import Settings
from jajo.personal import key_store
from services.registration.clock import Clock, seoul_today
from services.registration.handlers import handlers
from services.registration.views import RegistrationViews


def bootstrap(settings: Settings, clock: Clock = seoul_today) -> Service:
    """`clock` gives "today" (the join and leave date); tests pass a fixed one."""
    client, db = database("registration", settings)
    keys = key_store(client, settings)
    return write_service("registration", settings, handlers(keys, clock), views=RegistrationViews(db))
