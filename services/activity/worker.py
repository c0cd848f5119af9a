"""Background worker of activity: its outbox relay and its view of registration's groups."""
from jajo.config import Settings
from jajo.worker import serve
from services.activity.bootstrap import wire


def loops(settings: Settings) -> list:
    activity = wire(settings)
    return [activity.relay(), activity.registration_consumer()]


def main() -> None:
    serve("activity", loops)


if __name__ == "__main__":
    main()
