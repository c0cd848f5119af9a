"""The monitoring profile's files: the Grafana dashboard queries only declared metrics (and shows every one),
Prometheus scrapes every service and worker, Grafana is provisioned with both."""

from __future__ import annotations

import json
import re
from pathlib import Path

import yaml

from jajo import metrics

ROOT = Path(__file__).resolve().parents[2]
DASHBOARD = ROOT / "deploy" / "grafana" / "jajo.json"
PROMETHEUS = ROOT / "deploy" / "prometheus" / "prometheus.yml"
PROVISIONING = ROOT / "deploy" / "grafana" / "provisioning"
SERVICES = ("registration", "activity", "survey", "reporting")
SUFFIXES = {"counter": ("_total",), "gauge": ("",), "histogram": ("_bucket", "_count", "_sum")}


def declared() -> dict[str, str]:
    """Each sample name jajo.metrics exposes -> the metric it belongs to."""
    found = {}
    for metric in vars(metrics).values():
        if hasattr(metric, "_labelnames") and hasattr(metric, "_type"):
            for suffix in SUFFIXES[metric._type]:
                found[metric._name + suffix] = metric._name
    return found


def queries() -> list[str]:
    dashboard = json.loads(DASHBOARD.read_text(encoding="utf-8"))
    return [target["expr"] for panel in dashboard["panels"] for target in panel["targets"]]


def test_the_dashboard_queries_declared_metrics_and_shows_them_all():
    names = declared()
    queried = {name for expr in queries() for name in re.findall(r"\bjajo_[a-z_]+", expr)}
    assert queried and queried <= set(names), f"not declared in jajo/metrics.py: {sorted(queried - set(names))}"
    assert {names[name] for name in queried} == set(names.values()), "a declared metric missing from the dashboard"


def test_the_dashboard_has_the_panels_an_operator_needs():
    dashboard = json.loads(DASHBOARD.read_text(encoding="utf-8"))
    assert dashboard["uid"] == "jajo" and len({panel["id"] for panel in dashboard["panels"]}) == len(
        dashboard["panels"]
    )
    titles = " | ".join(panel["title"].lower() for panel in dashboard["panels"])
    for wanted in (
        "requests",
        "latency",
        "appended",
        "relayed",
        "consumed",
        "lag",
        "outbox",
        "dead letters",
        "stalled",
    ):
        assert wanted in titles, wanted
    for panel in dashboard["panels"]:
        assert panel["datasource"]["uid"] == "prometheus", panel["title"]


def test_prometheus_scrapes_every_service_with_the_metrics_token_and_every_worker():
    config = yaml.safe_load(PROMETHEUS.read_text(encoding="utf-8"))
    jobs = {job["job_name"]: job for job in config["scrape_configs"]}
    targets = {name: {t for group in job["static_configs"] for t in group["targets"]} for name, job in jobs.items()}
    assert targets["services"] == {f"{name}:8000" for name in SERVICES}
    assert targets["workers"] == {f"{name}-worker:9100" for name in SERVICES}
    assert jobs["services"]["authorization"] == {"type": "Bearer", "credentials_file": "/run/secrets/metrics_token"}


def test_grafana_is_provisioned_with_prometheus_and_the_dashboard():
    [source] = yaml.safe_load((PROVISIONING / "datasources" / "prometheus.yml").read_text())["datasources"]
    assert (source["uid"], source["url"]) == ("prometheus", "http://prometheus:9090")
    [provider] = yaml.safe_load((PROVISIONING / "dashboards" / "jajo.yml").read_text())["providers"]
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())["services"]
    mounts = {volume.split(":")[1]: volume.split(":")[0] for volume in compose["grafana"]["volumes"]}
    assert mounts[f"{provider['options']['path']}/jajo.json"] == "./deploy/grafana/jajo.json"
    assert mounts["/etc/grafana/provisioning"] == "./deploy/grafana/provisioning"
    prometheus = {v.split(":")[1]: v.split(":")[0] for v in compose["prometheus"]["volumes"]}
    assert prometheus["/etc/prometheus/prometheus.yml"] == "./deploy/prometheus/prometheus.yml"
