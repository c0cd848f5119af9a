"""Background worker of registration: its outbox relay and the retention sweep (services/registration/retention.py)."""

from jajo.worker import serve, worker_loops
from services.registration.bootstrap import bootstrap

loops = worker_loops(bootstrap)


def main() -> None:
    serve("registration", loops)


if __name__ == "__main__":
    main()
