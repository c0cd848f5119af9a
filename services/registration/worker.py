"""Background worker of registration: its outbox relay."""
from jajo.config import Settings
from jajo.worker import serve
from services.registration.bootstrap import wire


def loops(settings: Settings) -> list:
    return [wire(settings).relay()]


def main() -> None:
    serve("registration", loops)


if __name__ == "__main__":
    main()
