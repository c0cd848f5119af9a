"""Background worker of activity: its outbox relay and its view of registration's groups."""
from jajo.config import load_settings
from jajo.http.logs import configure_logging
from jajo.worker import run_until_stopped
from services.activity.bootstrap import wire


def main() -> None:
    settings = load_settings()
    configure_logging("activity-worker", settings.log_level)
    activity = wire(settings)
    run_until_stopped([activity.relay(), activity.registration_consumer()], idle_seconds=settings.relay_idle_seconds)


if __name__ == "__main__":
    main()
