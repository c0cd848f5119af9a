from jajo.bootstrap import WriteService, write_service
from jajo.config import Settings
from services.registration.handlers import HANDLERS


def wire(settings: Settings) -> WriteService:
    return write_service("registration", settings, HANDLERS)
