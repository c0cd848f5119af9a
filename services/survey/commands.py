from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class PublishSurvey:
    title: str
    year: int
    questions: list[dict] = field(default_factory=list)


@dataclass(frozen=True)
class SubmitResponse:
    survey_id: str
    respondent: str
    answers: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class CloseSurvey:
    survey_id: str


@dataclass(frozen=True)
class CopySurvey:
    survey_id: str
    year: int
    title: str | None = None
