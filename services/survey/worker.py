"""Background worker of survey: its outbox relay and the members view fed by `registration.events`."""
from jajo.config import Settings
from jajo.worker import serve
from services.survey.bootstrap import wire


def loops(settings: Settings) -> list:
    survey = wire(settings)
    return [survey.relay(), survey.members_consumer()]


def main() -> None:
    serve("survey", loops)


if __name__ == "__main__":
    main()
