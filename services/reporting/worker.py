"""Background worker of reporting: the projector."""
from jajo.config import Settings
from jajo.worker import serve
from services.reporting.bootstrap import wire


def loops(settings: Settings) -> list:
    return [wire(settings).event_consumer()]


def main() -> None:
    serve("reporting", loops)


if __name__ == "__main__":
    main()
