from pymongo import ASCENDING

from jajo.bootstrap import WriteService, write_service
from jajo.config import Settings
from services.registration.clock import Clock, seoul_today
from services.registration.handlers import handlers


def wire(settings: Settings, clock: Clock = seoul_today) -> WriteService:
    service = write_service("registration", settings, handlers(clock))
    service.db["group_views"].create_index([("year", ASCENDING)], name="year")
    return service
