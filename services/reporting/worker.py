"""Background worker of reporting: the projector, and the rebuilds that POST /api/v1/admin/rebuild requests."""
from jajo.config import Settings
from jajo.worker import serve
from services.reporting.bootstrap import wire


def loops(settings: Settings) -> list:
    reporting = wire(settings)
    return [reporting.event_consumer(), reporting.rebuild_runner()]


def main() -> None:
    serve("reporting", loops)


if __name__ == "__main__":
    main()
