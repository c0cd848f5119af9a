"""Activity: sessions and spaces, budgets and expense claims, documents."""

from __future__ import annotations

import builtins

from services.portal.clients.base import ResourceClient


class SessionsClient(ResourceClient):
    service = "activity"

    def list(self, year: int | None = None, group_id: str | None = None) -> list[dict]:
        return self.api.get("/sessions", year=year, group_id=group_id)["sessions"]

    def get(self, session_id: str) -> dict:
        return self.api.get(f"/sessions/{session_id}")

    def schedule(self, body: dict, key: str) -> dict:
        return self.api.post("/sessions", body, key=key)

    def schedule_series(self, body: dict, key: str) -> dict:
        return self.api.post("/sessions/series", body, key=key)

    def attendance(self, session_id: str, body: dict, key: str) -> dict:
        return self.api.post(f"/sessions/{session_id}/attendance", body, key=key)

    def cancel(self, session_id: str, reason: str, key: str) -> dict:
        return self.api.post(f"/sessions/{session_id}/cancel", {"reason": reason or None}, key=key)

    def report_connection(self, session_id: str, status: str, key: str) -> dict:
        return self.api.post(f"/sessions/{session_id}/connection", {"status": status}, key=key)

    def spaces(self) -> builtins.list[dict]:  # `list` is the method above
        return self.api.get("/spaces")["spaces"]

    def bookings(self, space: str, day: str) -> dict:
        return self.api.get(f"/spaces/{space}/bookings", date=day)


class FundingClient(ResourceClient):
    service = "activity"

    def budget(self, group_id: str, year: int | None = None) -> dict | None:
        return self.api.get_or_none(f"/groups/{group_id}/budget", (404,), year=year)

    def budgets(self, year: int) -> dict[str, dict]:
        """The year's budgets by group id (without their claims)."""
        return {b["group_id"]: b for b in self.api.get("/budgets", year=year)["budgets"]}

    def allocate(self, group_id: str, year: int, amount: int, key: str) -> dict:
        return self.api.post(f"/groups/{group_id}/budget", {"year": year, "amount": amount}, key=key)

    def claim(self, body: dict, key: str) -> dict:
        return self.api.post("/expenses", body, key=key)

    def expense(self, expense_id: str) -> dict:
        return self.api.get(f"/expenses/{expense_id}")

    def claims(
        self, year: int | None = None, status: str | None = None, group_id: str | None = None
    ) -> list[dict] | None:
        """The claims queue (`GET /expenses`, contract v2); None where the service does not have it yet."""
        found = self.api.get_or_none("/expenses", (404, 405), year=year, status=status, group_id=group_id)
        return None if found is None else found["expenses"]

    def approve(self, expense_id: str, key: str) -> dict:
        return self.api.post(f"/expenses/{expense_id}/approve", key=key)

    def reject(self, expense_id: str, reason: str, key: str) -> dict:
        return self.api.post(f"/expenses/{expense_id}/reject", {"reason": reason}, key=key)


class DocumentsClient(ResourceClient):
    service = "activity"

    def upload(self, fields: dict, file, key: str) -> dict:
        files = {"file": (file.filename, file.stream, file.mimetype or "application/octet-stream")}
        data = {name: value for name, value in fields.items() if value}
        return self.api.request("POST", "/documents", data=data, files=files, idempotency_key=key).json()

    def get(self, document_id: str) -> dict:
        return self.api.get(f"/documents/{document_id}")

    def content(self, document_id: str):
        return self.api.request("GET", f"/documents/{document_id}/content", stream=True)

    def of_group(self, group_id: str) -> list[dict]:
        return self.api.get(f"/groups/{group_id}/documents")["documents"]

    def missing(self, group_id: str) -> dict | None:
        """What the group still owes; None while activity does not know the group yet (409)."""
        return self.api.get_or_none(f"/groups/{group_id}/documents/missing", (409,))

    def accept(self, document_id: str, key: str) -> dict:
        return self.api.post(f"/documents/{document_id}/accept", key=key)

    def send_back(self, document_id: str, reason: str, key: str) -> dict:
        return self.api.post(f"/documents/{document_id}/return", {"reason": reason}, key=key)
