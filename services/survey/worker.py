"""Background worker of survey: its outbox relay and the members view fed by `registration.events`."""

from jajo.worker import serve, worker_loops
from services.survey.bootstrap import bootstrap

loops = worker_loops(bootstrap)


def main() -> None:
    serve("survey", loops)


if __name__ == "__main__":
    main()
