"""Background worker of reporting: the projector."""
from jajo.config import load_settings
from jajo.http.logs import configure_logging
from jajo.worker import run_until_stopped
from services.reporting.bootstrap import wire


def main() -> None:
    settings = load_settings()
    configure_logging("reporting-worker", settings.log_level)
    run_until_stopped([wire(settings).event_consumer()])


if __name__ == "__main__":
    main()
