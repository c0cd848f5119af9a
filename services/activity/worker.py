"""Background worker of activity: its outbox relay, its view of registration's groups and the file sweep."""
from jajo.config import Settings
from jajo.worker import serve
from services.activity.bootstrap import wire


def loops(settings: Settings) -> list:
    activity = wire(settings)
    return [activity.relay(), activity.registration_consumer(), activity.file_sweep()]


def main() -> None:
    serve("activity", loops)


if __name__ == "__main__":
    main()
