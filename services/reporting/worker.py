"""Background worker of reporting: the projector, and the rebuilds that POST /api/v1/admin/rebuild requests."""

from jajo.worker import serve, worker_loops
from services.reporting.bootstrap import bootstrap

loops = worker_loops(bootstrap)


def main() -> None:
    serve("reporting", loops)


if __name__ == "__main__":
    main()
