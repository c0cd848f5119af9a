"""Korean formats: dates `2025. 3. 14.(금)`, amounts `400,000원`, times, percentages (Jinja filters)."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from jajo.center import CENTER

SEOUL = ZoneInfo("Asia/Seoul")
WEEKDAYS = "월화수목금토일"
KINDS = {"regular": "정기모임", "special": "특별활동", "online": "온라인 간담회"}
VENUES = {**{name: name for name in CENTER.space_names}, "external": "외부 장소", "online": "온라인"}
STATUS = {
    "formed": "신청",
    "approved": "승인",
    "closed": "종료",
    "scheduled": "예정",
    "held": "진행 완료",
    "cancelled": "취소",
    "claimed": "심사 중",
    "rejected": "반려",
    "open": "진행 중",
    "submitted": "제출",
    "accepted": "확인",
    "returned": "보완 요청",
}
DOCUMENT_KINDS = {
    "activity_plan": "활동계획서",
    "result_report": "결과보고서",
    "receipt": "영수증",
    "attendance_sheet": "출석부",
}


def as_date(value) -> date | None:
    if value in (None, ""):
        return None
    if isinstance(value, datetime):
        return value.astimezone(SEOUL).date() if value.tzinfo else value.date()
    if isinstance(value, date):
        return value
    text = str(value)
    if "T" in text:
        return datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(SEOUL).date()
    return date.fromisoformat(text[:10])


def korean_date(value) -> str:
    day = as_date(value)
    return "" if day is None else f"{day.year}. {day.month}. {day.day}.({WEEKDAYS[day.weekday()]})"


def korean_datetime(value) -> str:
    if value in (None, ""):
        return ""
    moment = value if isinstance(value, datetime) else datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    moment = moment.astimezone(SEOUL) if moment.tzinfo else moment
    return f"{korean_date(moment)} {moment:%H:%M}"


def won(value) -> str:
    return f"{int(value or 0):,}원"


def number(value) -> str:
    return f"{value:,}" if isinstance(value, int) else f"{value:,.1f}"


def percent(value) -> str:
    return f"{(value or 0) * 100:.1f}%"


def label(value, table: dict) -> str:
    return table.get(value, value or "")


FILTERS = {
    "kdate": korean_date,
    "kdatetime": korean_datetime,
    "won": won,
    "num": number,
    "pct": percent,
    "kind": lambda v: label(v, KINDS),
    "venue": lambda v: label(v, VENUES),
    "status": lambda v: label(v, STATUS),
    "doc_kind": lambda v: label(v, DOCUMENT_KINDS),
}
