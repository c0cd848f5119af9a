"""Survey: satisfaction surveys (definitions and response counts only)."""

from __future__ import annotations

from services.portal.clients.base import ResourceClient


class SurveysClient(ResourceClient):
    service = "survey"

    def list(self, year: int | None = None) -> list[dict]:
        return self.api.get("/surveys", year=year)["surveys"]

    def get(self, survey_id: str) -> dict:
        return self.api.get(f"/surveys/{survey_id}")

    def publish(self, body: dict, key: str) -> dict:
        return self.api.post("/surveys", body, key=key)

    def copy(self, survey_id: str, year: int, key: str) -> dict:
        return self.api.post(f"/surveys/{survey_id}/copy", {"year": year}, key=key)

    def close(self, survey_id: str, key: str) -> dict:
        return self.api.post(f"/surveys/{survey_id}/close", key=key)

    def respond(self, survey_id: str, respondent: str, answers: dict, key: str) -> dict:
        return self.api.post(f"/surveys/{survey_id}/responses", {"respondent": respondent, "answers": answers}, key=key)
