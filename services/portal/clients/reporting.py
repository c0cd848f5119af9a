"""Reporting: the annual and group reports, the audit history, projection status and dead letters."""

from __future__ import annotations

from services.portal.clients.base import ResourceClient, client


class ReportsClient(ResourceClient):
    service = "reporting"

    def annual(self, year: int, as_of: str | None = None) -> dict:
        return self.api.get(f"/reports/annual/{year}", as_of=as_of)

    def export(self, year: int, fmt: str, as_of: str | None = None):
        params = {"as_of": as_of} if as_of else {}
        return self.api.request("GET", f"/reports/annual/{year}.{fmt}", params=params, stream=True)

    def group(self, group_id: str) -> dict:
        return self.api.get(f"/reports/groups/{group_id}")


class AuditClient(ResourceClient):
    service = "reporting"

    def events(self, **filters) -> dict:
        return self.api.get("/audit/events", **filters)

    def subject(self, subject: str) -> list[dict]:
        return self.api.get(f"/audit/subjects/{subject}")["events"]

    def export(self, **filters):
        clean = {key: value for key, value in filters.items() if value}
        return self.api.request("GET", "/audit/events.jsonl", params=clean, stream=True)


class OperationsClient(ResourceClient):
    service = "reporting"

    def status(self) -> dict:
        return self.api.get("/projections/status")

    def dead_letters(self, limit: int = 50, offset: int = 0) -> dict:
        return self.api.get("/admin/dead-letters", limit=limit, offset=offset)

    def redrive(self, letter_id: str, key: str) -> dict:
        return self.api.post(f"/admin/dead-letters/{letter_id}/redrive", key=key)

    @staticmethod
    def outbox(service: str) -> dict:
        return client(service).get("/outbox")


def freshness() -> dict:
    """How many events are still on their way: outbox pending per write service, then projection lag (in that
    order, so that nothing is missed between the two). `status` is reporting's projection status it read."""
    pending, unavailable = {}, []
    for service in ("registration", "activity", "survey"):
        try:
            pending[service] = OperationsClient.outbox(service)["pending"]
        except Exception:  # noqa: BLE001 - a service that does not answer is shown as such
            unavailable.append(service)
    status = OperationsClient().status()
    waiting = sum(pending.values()) + status["lag"]
    return {
        "pending": pending,
        "lag": status["lag"],
        "waiting": waiting,
        "unavailable": unavailable,
        "dead_letters": status["dead_letters"],
        "last_event_time": status.get("last_event_time"),
        "status": status,
    }
