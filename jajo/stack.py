"""The embedded stack for machines without Docker: `python -m jajo.stack up|down|status` (logs: `make logs`).

Starts Tansu and SecantusDB, creates the topics, then the four services under gunicorn and their
workers, each in its own process group with its pid and log in the data directory.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import secrets
import signal
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from jajo import embedded
from jajo.http.auth import ROLES

SERVICES = {"registration": 8001, "activity": 8002, "survey": 8003, "reporting": 8004, "portal": 8000}
API_SERVICES = ("registration", "activity", "survey", "reporting")


@dataclass(frozen=True)
class Layout:
    root: Path
    kafka_port: int
    mongo_port: int
    service_ports: dict[str, int]

    @classmethod
    def from_env(cls) -> "Layout":
        ports = {name: int(os.environ.get(f"{name.upper()}_PORT", port)) for name, port in SERVICES.items()}
        return cls(
            Path(os.environ.get("JAJO_DATA_DIR", ".data")).resolve(),
            int(os.environ.get("KAFKA_PORT", 9092)),
            int(os.environ.get("MONGO_PORT", 27017)),
            ports,
        )

    @property
    def pids(self) -> Path:
        return self.root / "pids"

    @property
    def logs(self) -> Path:
        return self.root / "logs"

    def environment(self, tokens: str) -> dict[str, str]:
        return {
            **os.environ,
            "KAFKA_BOOTSTRAP_SERVERS": f"127.0.0.1:{self.kafka_port}",
            "MONGODB_URI": embedded.mongo_uri(self.mongo_port),
            "API_TOKENS": tokens,
            "PYTHONUNBUFFERED": "1",
            "WEB_CONCURRENCY": os.environ.get("WEB_CONCURRENCY", "2"),  # five services share two cores here
            **{f"PORTAL_{name.upper()}_URL": f"http://127.0.0.1:{self.service_ports[name]}" for name in API_SERVICES},
            "JAJO_REPORTING_URL": f"http://127.0.0.1:{self.service_ports['reporting']}",  # registration's 열람 export
        }


def tokens_for(layout: Layout) -> str:
    """API_TOKENS from the environment, else the tokens made on the first `up` (kept in .data/tokens)."""
    if os.environ.get("API_TOKENS"):
        return os.environ["API_TOKENS"]
    saved = layout.root / "tokens"
    if not saved.exists():
        saved.write_text(f"staff:staff:{secrets.token_urlsafe(24)},viewer:viewer:{secrets.token_urlsafe(24)}\n")
        saved.chmod(0o600)
    tokens = saved.read_text().strip()
    if "portal" in ROLES and not any(entry.startswith("portal:") for entry in tokens.split(",")):
        tokens += f",portal:portal:{secrets.token_urlsafe(24)}"  # the center portal acts for signed-in people
        saved.write_text(tokens + "\n")
    return tokens


def first_portal_account(layout: Layout, env: dict[str, str]) -> str:
    """The portal's first staff account: from PORTAL_ADMIN (name:password), else a random one kept in
    .data/portal-admin (services/portal/cli.py)."""
    done = subprocess.run(
        [sys.executable, "-m", "services.portal.cli", "first-admin", "--file", str(layout.root / "portal-admin")],
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    return done.stdout.strip()


def running(layout: Layout) -> dict[str, int]:
    alive = {}
    for pid_file in sorted(layout.pids.glob("*.pid")):
        pid = int(pid_file.read_text())
        if embedded.process_alive(pid):
            alive[pid_file.stem] = pid
        else:
            pid_file.unlink()
    return alive


def spawn(layout: Layout, name: str, command: list[str], env: dict[str, str]) -> int:
    with open(layout.logs / f"{name}.log", "ab") as log:
        process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, env=env, start_new_session=True)
    (layout.pids / f"{name}.pid").write_text(str(process.pid))
    return process.pid


def start_servers(layout: Layout) -> None:
    for name, server in (
        ("kafka", lambda: embedded.start_tansu(layout.kafka_port, layout.logs / "kafka.log")),
        (
            "mongodb",
            lambda: embedded.start_secantus(layout.mongo_port, layout.root / "mongodb", layout.logs / "mongodb.log"),
        ),
    ):
        if embedded.port_open(layout.kafka_port if name == "kafka" else layout.mongo_port):
            raise SystemExit(f"{name} port is already taken; run `make down` or set {name.upper()}_PORT")
        started = server()
        (layout.pids / f"{name}.pid").write_text(str(started.process.pid))


def available_services() -> list[str]:
    return [name for name in SERVICES if importlib.util.find_spec(f"services.{name}.app") is not None]


def gunicorn_command(service: str, port: int) -> list[str]:
    """`services.<service>` under gunicorn with jajo/gunicorn_conf.py (run from the repository's root)."""
    conf, app = "jajo/gunicorn_conf.py", f"services.{service}.app:create_app()"
    return [sys.executable, "-m", "gunicorn", "-c", conf, "--bind", f"127.0.0.1:{port}", app]


def start_services(layout: Layout, env: dict[str, str]) -> None:
    subprocess.run([sys.executable, "-m", "jajo.init"], env=env, check=True)
    for name in available_services():
        port = layout.service_ports[name]
        spawn(layout, name, gunicorn_command(name, port), {**env, "PORT": str(port)})
        if importlib.util.find_spec(f"services.{name}.worker") is not None:
            spawn(layout, f"{name}-worker", [sys.executable, "-m", f"services.{name}.worker"], env)


def ready(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return response.status == 200
    except OSError:
        return False


def up(layout: Layout) -> None:
    for folder in (layout.root, layout.pids, layout.logs):
        folder.mkdir(parents=True, exist_ok=True)
    if running(layout):
        raise SystemExit(f"already running: {', '.join(running(layout))} (make down first)")
    tokens = tokens_for(layout)
    env = layout.environment(tokens)
    try:
        start_servers(layout)
        start_services(layout, env)
        for name in available_services():
            url = f"http://127.0.0.1:{layout.service_ports[name]}/readyz"
            embedded.wait_until(lambda: ready(url), 90, f"{name} /readyz", interval=0.25)
    except BaseException:
        down(layout)
        raise
    account = first_portal_account(layout, env) if "portal" in available_services() else ""
    print("Jajo is up (embedded stack):")
    if account:
        print(f"  portal        http://127.0.0.1:{layout.service_ports['portal']}  (sign in: {account})")
    for name in [name for name in available_services() if name != "portal"]:
        print(f"  {name:<13} http://127.0.0.1:{layout.service_ports[name]}  (docs: /docs)")
    print(f"  kafka         127.0.0.1:{layout.kafka_port} (Tansu, memory only)")
    print(f"  mongodb       {embedded.mongo_uri(layout.mongo_port)} (SecantusDB, data in {layout.root / 'mongodb'})")
    print(f"  tokens        {tokens}")
    print(f"  logs and pids {layout.logs}, {layout.pids}")


def stop(pid: int, timeout: float = 20) -> None:
    try:
        os.killpg(pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            os.killpg(pid, 0)
        except ProcessLookupError:
            return
        time.sleep(0.1)
    try:
        os.killpg(pid, signal.SIGKILL)
    except ProcessLookupError:
        pass


def down(layout: Layout) -> None:
    """Services first, then the servers they need; only what `up` started (by its pid files)."""
    alive = running(layout) if layout.pids.exists() else {}
    order = sorted(alive, key=lambda name: name in ("kafka", "mongodb"))
    for name in order:
        stop(alive[name])
        (layout.pids / f"{name}.pid").unlink(missing_ok=True)
    print(f"stopped: {', '.join(order) or 'nothing was running'}")


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m jajo.stack")
    parser.add_argument("command", choices=["up", "down", "status"])
    layout = Layout.from_env()
    command = parser.parse_args().command
    if command == "up":
        up(layout)
    elif command == "down":
        down(layout)
    else:
        print("\n".join(f"{name}: pid {pid}" for name, pid in running(layout).items()) or "nothing running")


if __name__ == "__main__":
    main()
