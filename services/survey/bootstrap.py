from __future__ import annotations

from dataclasses import dataclass, fields

from jajo.bootstrap import WriteService, write_service
from jajo.config import Settings
from jajo.consumer import EventConsumer
from services.survey import read_models
from services.survey.handlers import HANDLERS


@dataclass
class SurveyService(WriteService):
    """The write service plus the members read model it keeps from `registration.events`."""

    def ensure_indexes(self) -> None:
        super().ensure_indexes()
        read_models.ensure_indexes(self.db)

    def members_projection(self) -> read_models.MembersProjection:
        return read_models.MembersProjection(self.db, self.settings)

    def members_consumer(self) -> EventConsumer:
        consumer = self.event_consumer(self.members_projection())
        consumer.ensure_indexes()
        return consumer


def wire(settings: Settings) -> SurveyService:
    base = write_service("survey", settings, HANDLERS)
    service = SurveyService(**{f.name: getattr(base, f.name) for f in fields(base)})
    service.ensure_indexes()
    return service
