"""Background worker of registration: its outbox relay."""
from jajo.config import load_settings
from jajo.http.logs import configure_logging
from jajo.worker import run_until_stopped
from services.registration.bootstrap import wire


def main() -> None:
    settings = load_settings()
    configure_logging("registration-worker", settings.log_level)
    service = wire(settings)
    service.ensure_indexes()
    run_until_stopped([service.relay()], idle_seconds=settings.relay_idle_seconds)


if __name__ == "__main__":
    main()
