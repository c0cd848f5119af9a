"""The production deployment files: docker-compose.yml, Dockerfile, .env.example, jajo/gunicorn_conf.py.

No engine here, so compose is validated by `docker-compose config` / `docker compose config` (which need none) when
one of them is installed (Debian package `docker-compose`), and the production rules are checked statically with
PyYAML either way.
"""

from __future__ import annotations

import ast
import os
import re
import runpy
import shutil
import subprocess
import threading
from pathlib import Path

import pytest
import yaml

from jajo.http.auth import parse_tokens
from tests.waiting import eventually

ROOT = Path(__file__).resolve().parents[2]
COMPOSE_FILE = ROOT / "docker-compose.yml"
ENV_EXAMPLE = ROOT / ".env.example"
SERVICES = ("registration", "activity", "survey", "reporting")
INFRA = ("kafka", "mongo", "proxy")
OPTIONAL = {"jaeger": "tracing", "prometheus": "monitoring", "grafana": "monitoring"}  # service -> its profile
HEALTHY_RESTARTS = {"always", "unless-stopped", "on-failure"}


# --- helpers ------------------------------------------------------------------------------------------------------
def compose_command() -> list[str] | None:
    """`docker-compose` (v1) or `docker compose` (v2 plugin), whichever answers; neither needs an engine for `config`."""
    for command in (["docker-compose"], ["docker", "compose"]):
        if shutil.which(command[0]) is None:
            continue
        try:
            probe = subprocess.run([*command, "version"], capture_output=True, timeout=60)
        except (OSError, subprocess.TimeoutExpired):
            continue
        if probe.returncode == 0:
            return command
    return None


def run_config(env_file: Path, *profiles: str) -> subprocess.CompletedProcess:
    command = compose_command()
    if command is None:
        pytest.skip("neither `docker-compose` nor `docker compose` is installed (apt-get install docker-compose)")
    # A clean environment: only the env file given (never a developer's .env or shell) decides the variables.
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(env_file.parent)}
    return subprocess.run(
        [
            *command,
            *(flag for profile in profiles for flag in ("--profile", profile)),
            "--project-directory",
            str(ROOT),
            "-f",
            str(COMPOSE_FILE),
            "--env-file",
            str(env_file),
            "config",
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load(COMPOSE_FILE.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def services(compose) -> dict:
    return compose["services"]


def app_services(services: dict) -> dict:
    return {name: spec for name, spec in services.items() if name not in INFRA and name not in OPTIONAL}


def one_shot(services: dict) -> set[str]:
    """Jobs that run to completion: restart "no" and waited for with `service_completed_successfully`."""
    awaited = {
        dependency
        for spec in services.values()
        for dependency, rule in (spec.get("depends_on") or {}).items()
        if rule.get("condition") == "service_completed_successfully"
    }
    return {name for name in awaited if str(services[name].get("restart", "no")) == "no"}


def command_of(spec: dict) -> list[str]:
    command = spec.get("command")
    return command if isinstance(command, list) else str(command or "").split()


def built(name: str) -> bool:
    """A service counts as written once its bootstrap module exists (the others are being written in parallel)."""
    return (ROOT / "services" / name / "bootstrap.py").exists()


# --- docker-compose config -----------------------------------------------------------------------------------------
def test_compose_config_accepts_the_file_with_the_example_env():
    result = run_config(ENV_EXAMPLE)
    assert result.returncode == 0, result.stderr
    resolved = yaml.safe_load(result.stdout)
    # docker-compose v1 lists the services of every profile, v2 only the active ones: without a profile, these
    active = {name: spec for name, spec in resolved["services"].items() if not spec.get("profiles")}
    expected = {*INFRA, "init", "portal", *SERVICES, *(f"{name}-worker" for name in SERVICES)}
    assert set(active) == expected
    publishing = {name for name, spec in active.items() if spec.get("ports")}
    assert publishing == {"proxy"}, "only the TLS proxy publishes ports: the rest is closed by default"
    for name, spec in resolved["services"].items():
        pulled = "build" not in spec  # Jajo's own image is built here from the pinned base of the Dockerfile
        assert not pulled or re.search(r":[\w.-]*\d", spec["image"]), f"{name}: image {spec['image']!r} is not pinned"
        if name in INFRA or name in OPTIONAL:
            continue
        assert "API_TOKENS" not in spec["environment"], f"{name}: tokens come from a secret, not the environment"
        assert spec["environment"]["API_TOKENS_FILE"] == "/run/secrets/api_tokens", name
        assert [secret["source"] for secret in spec["secrets"]][0] == "api_tokens", name


def test_the_optional_profiles_add_jaeger_prometheus_and_grafana_on_the_loopback_only(tmp_path):
    env = tmp_path / "traced.env"
    env.write_text(ENV_EXAMPLE.read_text() + "\nOTEL_EXPORTER_OTLP_ENDPOINT=http://jaeger:4318\n")
    result = run_config(env, "tracing", "monitoring")
    assert result.returncode == 0, result.stderr
    resolved = yaml.safe_load(result.stdout)["services"]
    assert set(OPTIONAL) <= set(resolved)
    for name in OPTIONAL:
        for port in resolved[name].get("ports") or []:
            host = port["host_ip"] if isinstance(port, dict) else str(port).split(":")[0]  # compose v2, v1
            assert host == "127.0.0.1", f"{name} publishes {port} beyond this host"
        assert re.search(r":v?\d+\.\d+\.\d+$", resolved[name]["image"]), resolved[name]["image"]
    for name in (*SERVICES, *(f"{name}-worker" for name in SERVICES)):
        assert resolved[name]["environment"]["OTEL_EXPORTER_OTLP_ENDPOINT"] == "http://jaeger:4318", name
    plain = yaml.safe_load(run_config(ENV_EXAMPLE).stdout)["services"]
    assert not plain["registration"]["environment"].get("OTEL_EXPORTER_OTLP_ENDPOINT"), "tracing is off by default"


def test_optional_services_are_in_their_profiles_and_the_workers_serve_metrics(services):
    for name, profile in OPTIONAL.items():
        assert services[name]["profiles"] == [profile], name
    assert {name for name, spec in services.items() if spec.get("profiles")} == set(OPTIONAL)
    assert services["jaeger"]["image"].startswith(("jaegertracing/jaeger:2.", "jaegertracing/all-in-one:1."))
    assert "metrics_token" in mounted(services["prometheus"]) and "grafana_admin" in mounted(services["grafana"])
    for name in SERVICES:
        assert services[f"{name}-worker"]["environment"]["JAJO_WORKER_METRICS_PORT"] == "9100", name
        assert services[name]["environment"]["OTEL_EXPORTER_OTLP_ENDPOINT"] == "${OTEL_EXPORTER_OTLP_ENDPOINT:-}"


def test_compose_config_refuses_to_run_without_a_domain(tmp_path):
    empty = tmp_path / "empty.env"
    empty.write_text("")
    result = run_config(empty)
    assert result.returncode != 0
    assert "JAJO_DOMAIN" in result.stderr


# --- static rules --------------------------------------------------------------------------------------------------
def test_kafka_is_the_official_image_pinned_in_kraft_mode(services):
    kafka = services["kafka"]
    match = re.fullmatch(r"apache/kafka:(\d+)\.(\d+)\.(\d+)", kafka["image"])
    assert match and match.group(1) in ("3", "4"), kafka["image"]
    env = kafka["environment"]
    assert set(env["KAFKA_PROCESS_ROLES"].split(",")) == {"broker", "controller"}
    assert "KAFKA_ZOOKEEPER_CONNECT" not in env
    assert env["KAFKA_ADVERTISED_LISTENERS"] == "SASL_PLAINTEXT://kafka:9092"
    assert str(env["KAFKA_AUTO_CREATE_TOPICS_ENABLE"]).lower() == "false"  # topics come from the init job


def test_kafka_takes_sasl_only_and_allows_nothing_no_acl_allows(services):
    env = services["kafka"]["environment"]
    listeners = dict(item.split("://") for item in env["KAFKA_LISTENERS"].split(","))
    protocols = dict(item.split(":") for item in env["KAFKA_LISTENER_SECURITY_PROTOCOL_MAP"].split(","))
    for name, address in listeners.items():  # plaintext only on the container's loopback (the KRaft controller)
        assert protocols[name] == "SASL_PLAINTEXT" or address.startswith("127.0.0.1:"), (name, address)
    assert "SCRAM-SHA-512" in env["KAFKA_SASL_ENABLED_MECHANISMS"].split(",")
    assert env["KAFKA_AUTHORIZER_CLASS_NAME"] == "org.apache.kafka.metadata.authorizer.StandardAuthorizer"
    assert str(env["KAFKA_ALLOW_EVERYONE_IF_NO_ACL_FOUND"]).lower() == "false"
    assert set(env["KAFKA_SUPER_USERS"].split(";")) == {"User:admin", "User:ANONYMOUS"}
    assert "java.security.auth.login.config=/tmp/kafka_server_jaas.conf" in env["KAFKA_OPTS"]
    assert command_of(services["kafka"]) == ["sh", "/jajo/kafka/start.sh"]
    assert "jajo-kafka-ready" in " ".join(services["kafka"]["healthcheck"]["test"])  # healthy once ACLs exist


def test_mongo_is_the_official_image_pinned_as_a_replica_set_it_initiates(services):
    mongo = services["mongo"]
    assert re.fullmatch(r"mongo:\d+\.\d+(\.\d+)?", mongo["image"]), mongo["image"]
    command = " ".join(command_of(mongo))
    assert "docker-entrypoint.sh mongod --replSet rs0 " in command and "--keyFile /data/configdb/keyfile" in command
    probe = " ".join(mongo["healthcheck"]["test"])
    assert "rs.status()" in probe and "rs.initiate(" in probe and "isWritablePrimary" in probe
    assert "-u root" in probe and "/run/secrets/mongo_root" in probe
    assert mongo["environment"]["MONGO_INITDB_ROOT_PASSWORD_FILE"] == "/run/secrets/mongo_root"
    for name, spec in app_services(services).items():
        assert "replicaSet=rs0" in spec["environment"]["MONGODB_URI"], name
        if name != "portal":  # the portal calls the services over HTTP only
            assert spec["environment"]["KAFKA_BOOTSTRAP_SERVERS"] == "kafka:9092", name


# --- credentials: a MongoDB user and a Kafka user per service, each from its own secret --------------------------------
USERS_JS = ROOT / "deploy" / "mongo" / "10-jajo-users.js"
ACLS_SH = ROOT / "deploy" / "kafka" / "users-and-acls.sh"
EXPECTED_GRANTS = {  # what each service's Kafka user may do with the topics: its own written, what it consumes read
    ("registration", "Write", "registration"),
    ("activity", "Write", "activity"),
    ("survey", "Write", "survey"),
    ("activity", "Read", "registration"),
    ("survey", "Read", "registration"),
    ("reporting", "Read", "registration"),
    ("reporting", "Read", "activity"),
    ("reporting", "Read", "survey"),
    ("init", "Create", "registration"),
    ("init", "Create", "activity"),
    ("init", "Create", "survey"),
}


def user_of(name: str) -> str:
    return name.removesuffix("-worker")


def mounted(spec: dict) -> dict[str, str]:
    """Secret file name under /run/secrets -> the secret mounted there."""
    found = {}
    for secret in spec.get("secrets") or []:
        source = secret if isinstance(secret, str) else secret["source"]
        target = source if isinstance(secret, str) else secret.get("target", source)
        found[target] = source
    return found


def test_every_secret_file_a_container_is_told_of_is_mounted(services):
    for name, spec in services.items():
        files = mounted(spec)
        for variable, value in (spec.get("environment") or {}).items():
            if variable.endswith("_FILE") and str(value).startswith("/run/secrets/"):
                assert value.removeprefix("/run/secrets/") in files, f"{name}: {variable}={value} is not mounted"


def test_every_mongodb_and_kafka_client_signs_in_as_itself_with_its_own_secret(services):
    for name, spec in app_services(services).items():
        env, files, user = spec["environment"], mounted(spec), user_of(name)
        assert env["MONGODB_USERNAME"] == user, name
        assert (
            env["MONGODB_PASSWORD_FILE"] == "/run/secrets/mongo_password" and files["mongo_password"] == f"mongo_{user}"
        )
        assert "authSource=admin" in env["MONGODB_URI"], name
        if name == "portal":
            assert not any(variable.startswith("KAFKA_") for variable in env), "the portal has no Kafka client"
            continue
        assert env["KAFKA_USERNAME"] == user, name
        assert (env["KAFKA_SECURITY_PROTOCOL"], env["KAFKA_SASL_MECHANISM"]) == ("SASL_PLAINTEXT", "SCRAM-SHA-512")
        assert (
            env["KAFKA_PASSWORD_FILE"] == "/run/secrets/kafka_password" and files["kafka_password"] == f"kafka_{user}"
        )


def test_mongodb_makes_exactly_those_users_each_limited_to_its_own_database(services):
    users = {user_of(name) for name in app_services(services)}
    assert set(mounted(services["mongo"])) == {"mongo_root", *(f"mongo_{user}" for user in users)}
    assert (
        "./deploy/mongo/10-jajo-users.js:/docker-entrypoint-initdb.d/10-jajo-users.js:ro"
        in services["mongo"]["volumes"]
    )
    script = USERS_JS.read_text()
    made = dict(re.findall(r'^\s*ensureUser\("?(\w+)"?, \[?"?(\w+)"?\]?\);', script, re.MULTILINE))
    assert made == {"portal": "portal"}
    assert (
        'ensureUser(service, readers.includes(service) ? [service, "access"] : [service], keyAccess[service] || []);'
        in script
    )
    assert 'const readers = ["registration", "activity", "reporting"];' in script  # jajo/access.py's writers
    assert 'ensureUser("init", [...services, "access"]);' in script
    # beyond its own database: the key store (jajo/personal.py), made by registration, read by reporting
    assert re.search(
        r'const keyAccess = \{\s*registration: \[\["keys", "readWrite"\]\],\s*activity: \[\["keys", "readWrite"\]\],'
        r'\s*reporting: \[\["keys", "read"\]\],\s*\};',
        script,
    )
    assert re.search(r'const services = \["registration", "activity", "survey", "reporting"\];', script)
    assert 'role: "readWrite", db: prefix + name' in script and "readWriteAnyDatabase" not in script
    assert "/run/secrets/mongo_${user}" in script


def test_kafka_gives_each_service_its_user_and_only_its_grants(services):
    users = {user_of(name) for name in app_services(services)} - {"portal"}
    assert set(mounted(services["kafka"])) == {"kafka_admin", *(f"kafka_{user}" for user in users)}
    assert "./deploy/kafka:/jajo/kafka:ro" in services["kafka"]["volumes"]
    script = ACLS_SH.read_text()
    assert re.search(rf"for user in {' '.join(sorted(users, key=list(SERVICES + ('init',)).index))}; do", script)
    grants = {
        (user, operation, topic)
        for user, operation, topic in re.findall(r'^\s*acl (\w+) (\w+) "\$(\w+)"', script, re.MULTILINE)
        if topic != "topic"
    }
    looped = {("reporting", "Read", t) for t in ("registration", "activity", "survey")} | {
        ("init", "Create", t) for t in ("registration", "activity", "survey")
    }
    assert '  acl reporting Read "$topic"' in script and '  acl init Create "$topic"' in script
    assert grants | looped == EXPECTED_GRANTS
    assert script.count("--operation") == 3  # Describe for everyone, the acl and group helpers: nothing else


def test_each_consuming_worker_joins_its_projections_group_which_its_kafka_user_may_read(services):
    from jajo.config import Settings
    from services.activity.views import RegistrationView
    from services.reporting.views import ReportingProjection
    from services.survey.views import MembersProjection

    projections = {"activity": RegistrationView, "survey": MembersProjection, "reporting": ReportingProjection}
    groups = set(re.findall(r"^group (\w+) ([\w.-]+)$", ACLS_SH.read_text(), re.MULTILINE))
    assert groups == {(user, Settings().consumer_group_of(p.name)) for user, p in projections.items()}
    for name in projections:
        assert services[f"{name}-worker"]["environment"]["JAJO_CONSUMER_MODE"] == "group", name


def test_every_long_running_container_has_a_healthcheck_and_a_restart_policy(services):
    jobs = one_shot(services)
    assert jobs == {"init"}
    for name, spec in services.items():
        if name in jobs:
            continue
        check = spec.get("healthcheck") or {}
        assert check.get("test") and not check.get("disable"), f"{name} has no healthcheck"
        assert spec.get("restart") in HEALTHY_RESTARTS, f"{name} has no restart policy"
    for name in SERVICES:
        assert "/readyz" in " ".join(services[name]["healthcheck"]["test"]), name
        assert "curl" not in " ".join(services[name]["healthcheck"]["test"]), "the image has no curl"


def test_everything_waits_on_healthy_infrastructure_and_the_finished_init_job(services):
    for name, spec in app_services(services).items():
        depends = spec.get("depends_on")
        assert isinstance(depends, dict), f"{name}: depends_on needs conditions, not a list"
        assert all(rule.get("condition") for rule in depends.values()), name
        assert depends["kafka"]["condition"] == "service_healthy", name
        assert depends["mongo"]["condition"] == "service_healthy", name
        if name != "init":
            assert depends["init"]["condition"] == "service_completed_successfully", name
    assert command_of(services["init"]) == ["python", "-m", "jajo.init"]


def test_kafka_and_mongo_keep_their_data_in_named_volumes(compose, services):
    declared = set(compose.get("volumes") or {})
    for name, path in (("kafka", "/var/lib/kafka/data"), ("mongo", "/data/db")):
        mounts = {volume.split(":")[1]: volume.split(":")[0] for volume in services[name]["volumes"]}
        assert mounts.get(path) in declared, f"{name} must keep {path} in a named volume"
    assert services["kafka"]["environment"]["KAFKA_LOG_DIRS"] == "/var/lib/kafka/data"


def test_services_and_workers_run_from_one_image_and_name_modules_that_exist(services):
    images = {(str(spec.get("build")), spec.get("image")) for spec in app_services(services).values()}
    assert images == {(".", "${JAJO_IMAGE:-jajo:latest}")}
    for name in SERVICES:
        web = command_of(services[name])
        assert web[:3] == ["gunicorn", "-c", "jajo/gunicorn_conf.py"]
        assert web[3] == f"services.{name}.app:create_app()"
        assert command_of(services[f"{name}-worker"]) == ["python", "-m", f"services.{name}.worker"]
        if not built(name):
            continue
        app = ROOT / "services" / name / "app.py"
        worker = ROOT / "services" / name / "worker.py"
        assert app.exists() and worker.exists(), f"services/{name} must have app.py and worker.py"
        functions = {node.name for node in ast.walk(ast.parse(app.read_text())) if isinstance(node, ast.FunctionDef)}
        assert "create_app" in functions, f"services/{name}/app.py has no create_app()"
        assert 'if __name__ == "__main__"' in worker.read_text(), f"services/{name}/worker.py cannot run with -m"
    assert built("registration") and built("reporting")


def test_env_example_defines_every_variable_compose_uses_and_valid_tokens(compose):
    used = set(re.findall(r"\$\{([A-Z_][A-Z0-9_]*)", COMPOSE_FILE.read_text()))
    example = dict(line.split("=", 1) for line in ENV_EXAMPLE.read_text().splitlines() if re.match(r"^[A-Z_]+=", line))
    assert used <= set(example), f"missing from .env.example: {sorted(used - set(example))}"
    assert "API_TOKENS" not in example  # a secret file, never a value in .env
    for placeholder in re.findall(r"`((?:staff|viewer|portal):\w+:[^`]+)`", ENV_EXAMPLE.read_text()):
        with pytest.raises(ValueError, match="placeholder"):  # the example's tokens never work as real ones
            parse_tokens(placeholder)


def test_dockerfile_builds_a_slim_non_root_image_running_gunicorn():
    lines = [line.strip() for line in (ROOT / "Dockerfile").read_text().splitlines()]
    instructions = [line for line in lines if line and not line.startswith("#")]
    stages = [line for line in instructions if line.startswith("FROM ")]
    assert stages[-1] == "FROM python:3.11-slim"  # the image; before it only the npm assets stage
    assert stages[:-1] == ["FROM node:20-slim AS assets"] and "npm ci" in " ".join(lines)
    users = [line.split()[1] for line in instructions if line.startswith("USER ")]
    assert users and users[-1].split(":")[0] not in ("root", "0")
    installs = " ".join(line for line in lines if "pip install" in line)
    assert "pip install ." in installs and "[" not in installs, "install the package without extras"
    assert instructions[-1] == 'CMD ["gunicorn", "-c", "jajo/gunicorn_conf.py"]'
    ignored = (ROOT / ".dockerignore").read_text().splitlines()
    assert "**" in ignored and "!jajo/" in ignored and "!services/" in ignored  # no .venv, .data, .env, .git


# --- gunicorn config, init and the worker heartbeat the healthchecks rely on ---------------------------------------
def load_gunicorn_conf(monkeypatch, tmp_path, **env) -> dict:
    for name in ("PORT", "WEB_CONCURRENCY", "GUNICORN_THREADS", "JAJO_SERVICE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(tmp_path / "metrics"))
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return runpy.run_path(str(ROOT / "jajo" / "gunicorn_conf.py"))


def test_gunicorn_conf_defaults(monkeypatch, tmp_path):
    conf = load_gunicorn_conf(monkeypatch, tmp_path)
    assert conf["bind"] == ["0.0.0.0:8000"]
    assert 1 <= conf["workers"] <= 8
    assert conf["worker_class"] == "gthread" and conf["threads"] >= 2
    assert conf["accesslog"] is None and conf["preload_app"] is False
    assert conf["graceful_timeout"] > 0 and conf["keepalive"] > 0
    assert "wsgi_app" not in conf


def test_gunicorn_conf_reads_the_environment(monkeypatch, tmp_path):
    conf = load_gunicorn_conf(monkeypatch, tmp_path, PORT="8123", WEB_CONCURRENCY="5", JAJO_SERVICE="reporting")
    assert conf["bind"] == ["0.0.0.0:8123"]
    assert conf["workers"] == 5
    assert conf["wsgi_app"] == "services.reporting.app:create_app()"
    stale = tmp_path / "metrics" / "counter_1.db"
    stale.parent.mkdir()
    stale.write_bytes(b"old")
    conf["on_starting"](None)
    assert not stale.exists(), "metrics of a previous run must not be added to this one's"


def test_init_skips_services_that_have_no_bootstrap_yet():
    from jajo.config import Settings
    from jajo.init import index_service

    assert index_service("no_such_service", Settings()) is False


class IdleLoop:
    name = "idle"

    def run_once(self) -> int:
        return 0

    def close(self) -> None:
        pass


def test_worker_touches_the_heartbeat_file_its_healthcheck_reads(monkeypatch, tmp_path):
    from jajo.worker import run_until_stopped

    heartbeat = tmp_path / "heartbeat"
    monkeypatch.setenv("JAJO_HEARTBEAT_FILE", str(heartbeat))
    stop = threading.Event()
    runner = threading.Thread(target=run_until_stopped, args=([IdleLoop()], stop), daemon=True)
    runner.start()
    try:
        eventually(heartbeat.exists, timeout=10, what="heartbeat file written")
    finally:
        stop.set()
        runner.join(timeout=20)
    assert not runner.is_alive()
