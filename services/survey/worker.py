"""Background worker of survey: its outbox relay and the members view fed by `registration.events`."""
from jajo.config import load_settings
from jajo.http.logs import configure_logging
from jajo.worker import run_until_stopped
from services.survey.bootstrap import wire


def main() -> None:
    settings = load_settings()
    configure_logging("survey-worker", settings.log_level)
    service = wire(settings)
    run_until_stopped([service.relay(), service.members_consumer()], idle_seconds=settings.relay_idle_seconds)


if __name__ == "__main__":
    main()
