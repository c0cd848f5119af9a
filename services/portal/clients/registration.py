"""Registration: groups and their members."""
from __future__ import annotations

from services.portal.clients.base import ApiError, ResourceClient


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
        try:
            return self.api.post(f"/groups/{group_id}/members", body, key=key)
        except ApiError as error:  # a registration older than contract v2 knows no `consent` field yet
            if error.status == 422 and "consent" in (error.problem.get("errors") or {}) and "consent" in body:
                unknown = " ".join(map(str, error.problem["errors"]["consent"])).lower()
                if "unknown" in unknown:
                    return self.api.post(f"/groups/{group_id}/members",
                                         {k: v for k, v in body.items() if k != "consent"}, key=key)
            raise

    def leave(self, group_id: str, member_id: str, key: str) -> dict:
        return self.api.delete(f"/groups/{group_id}/members/{member_id}", key=key)
