"""만족도 조사: publish (the center's standard questions prefilled), copy last year's, close; results as
counts and charts from the annual report (never one person's answers)."""

from __future__ import annotations

from flask import Blueprint, request

from services.portal.clients.base import ApiError
from services.portal.clients.reporting import ReportsClient
from services.portal.clients.survey import SurveysClient
from services.portal.views import charts
from services.portal.views.dashboard import this_year
from services.portal.web import FormErrors, flash, form_key, page_title, render, see_other, staff_only, submitted_key

blueprint = Blueprint("surveys", __name__, url_prefix="/surveys")
QUESTION_ROWS = 6
STANDARD = [
    ("q1", "모임 활동이 자녀 양육에 도움이 되었나요?", "likert5", "activity_support", ""),
    ("q2", "센터의 활동 지원(공간·활동비)에 만족하시나요?", "likert5", "activity_support", ""),
    ("q3", "모임 운영 방식에 만족하시나요?", "likert5", "operation", ""),
    ("q4", "내년에도 참여하고 싶으신가요?", "likert5", "operation", ""),
    (
        "q5",
        "활동하며 어려웠던 점은 무엇인가요?",
        "choice",
        "difficulty",
        "서류 제출의 어려움, 일정 맞추기, 장소 부족, 없음",
    ),
    ("q6", "센터에 바라는 점을 적어 주세요.", "text", "", ""),
]
KIND_OPTIONS = [("likert5", "5점 척도"), ("choice", "선택형"), ("text", "서술형"), ("", "사용 안 함")]


def _defaults(year: int) -> dict:
    values = {"title": f"{year}년 자조모임 만족도 조사", "year": str(year)}
    for row, (qid, text, kind, category, options) in enumerate(STANDARD):
        values.update(
            {
                f"q{row}_id": qid,
                f"q{row}_text": text,
                f"q{row}_kind": kind,
                f"q{row}_category": category,
                f"q{row}_options": options,
            }
        )
    return values


def survey_body(values: dict) -> dict:
    questions = []
    for row in range(QUESTION_ROWS):
        if not values.get(f"q{row}_kind") or not values.get(f"q{row}_text"):
            continue
        question = {
            "id": values.get(f"q{row}_id") or f"q{row + 1}",
            "text": values[f"q{row}_text"],
            "kind": values[f"q{row}_kind"],
            "category": values.get(f"q{row}_category") or None,
        }
        if question["kind"] == "choice":
            question["options"] = [o.strip() for o in values.get(f"q{row}_options", "").split(",") if o.strip()]
            question["multiple"] = True
        questions.append(question)
    year = values.get("year", "")
    return {"title": values.get("title", ""), "year": int(year) if year.isdigit() else year, "questions": questions}


def _page(year: int, values: dict | None = None, errors: FormErrors | None = None, status: int = 200):
    surveys = SurveysClient().list(year)
    last_year = SurveysClient().list(year - 1)
    report = ReportsClient().annual(year)
    return render(
        "views/surveys/index.html",
        title=page_title("만족도 조사", errors),
        year=year,
        surveys=surveys,
        last_year=last_year,
        report=report,
        values=values or _defaults(year),
        errors=errors or FormErrors(),
        key=form_key(),
        rows=range(QUESTION_ROWS),
        kind_options=KIND_OPTIONS,
        results=results(surveys, report),
        years=range(this_year() + 1, this_year() - 10, -1),
    ), status


def results(surveys: list[dict], report: dict) -> list[dict]:
    """Per survey: its likert questions (counts, rates, a chart) and choice counts, from the annual report."""
    out = []
    for survey in surveys:
        likert = [q for q in report["satisfaction"]["questions"] if q.get("survey_id") == survey["id"]]
        choice_ids = [q["id"] for q in survey["questions"] if q["kind"] == "choice"]
        choices = {qid: report.get("choices", {}).get(qid, {}) for qid in choice_ids}
        out.append(
            {
                "survey": survey,
                "likert": likert,
                "choices": choices,
                "chart": charts.bars(
                    [q.get("text") or q["id"] for q in likert],
                    {"긍정 응답": [q["positive"] for q in likert], "전체 응답": [q["responses"] for q in likert]},
                ),
            }
        )
    return out


@blueprint.get("/")
@staff_only
def index():
    return _page(request.args.get("year", type=int) or this_year())


@blueprint.post("/")
@staff_only
def publish():
    values = {key: request.form.get(key, "").strip() for key in request.form}
    try:
        survey = SurveysClient().publish(survey_body(values), submitted_key())
    except ApiError as error:
        return _page(this_year(), values, FormErrors(error), 422 if error.status < 500 else 502)
    flash(f"‘{survey['title']}’ 조사를 게시했습니다.")
    return see_other("surveys.index", year=survey["year"])


@blueprint.post("/<survey_id>/copy")
@staff_only
def copy(survey_id: str):
    year = request.form.get("year", type=int) or this_year()
    try:
        SurveysClient().copy(survey_id, year, submitted_key())
        flash(f"작년 조사를 {year}년 조사로 복사해 게시했습니다.")
    except ApiError as error:
        flash(error.message, "error")
    return see_other("surveys.index", year=year)


@blueprint.post("/<survey_id>/close")
@staff_only
def close(survey_id: str):
    try:
        survey = SurveysClient().close(survey_id, submitted_key())
        flash("조사를 마감했습니다.")
    except ApiError as error:
        flash(error.message, "error")
        survey = {"year": this_year()}
    return see_other("surveys.index", year=survey["year"])
