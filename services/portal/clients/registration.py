"""Registration: groups and their members."""

from __future__ import annotations

from typing import Sequence

from services.portal.clients.base import ResourceClient


class GroupsClient(ResourceClient):
    service = "registration"

    def list(self, year: int | None = None) -> list[dict]:
        return self.api.get("/groups", year=year)["groups"]

    def get(self, group_id: str) -> dict:
        return self.api.get(f"/groups/{group_id}")

    def form(self, body: dict, key: str) -> dict:
        return self.api.post("/groups", body, key=key)

    def approve(self, group_id: str, key: str) -> dict:
        return self.api.post(f"/groups/{group_id}/approve", key=key)

    def close(self, group_id: str, key: str) -> dict:
        return self.api.post(f"/groups/{group_id}/close", key=key)

    def join(self, group_id: str, body: dict, key: str) -> dict:
        return self.api.post(f"/groups/{group_id}/members", body, key=key)

    def leave(self, group_id: str, member_id: str, key: str) -> dict:
        return self.api.delete(f"/groups/{group_id}/members/{member_id}", key=key)

    def member(self, group_id: str, member_id: str) -> dict:
        return self.api.get(f"/groups/{group_id}/members/{member_id}")

    def erase(self, group_id: str, member_id: str, reason: str, documents: Sequence[str], key: str) -> dict:
        body = {"reason": reason, "documents": list(documents)}
        return self.api.post(f"/groups/{group_id}/members/{member_id}/erase", body, key=key)

    def personal_data(self, group_id: str, member_id: str) -> dict:
        return self.api.get(f"/groups/{group_id}/members/{member_id}/personal-data")
