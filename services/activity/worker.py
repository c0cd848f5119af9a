"""Background worker of activity: its outbox relay, its view of registration's groups and the file sweep."""

from jajo.worker import serve, worker_loops
from services.activity.bootstrap import bootstrap

loops = worker_loops(bootstrap)


def main() -> None:
    serve("activity", loops)


if __name__ == "__main__":
    main()
