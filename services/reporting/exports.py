"""The annual report as an Excel workbook and as CSV for the district office (Korean headers)."""

from __future__ import annotations

import csv
import io
import re

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font

KIND_NAMES = {"regular": "정기모임", "special": "특별활동", "online": "온라인 간담회"}
VENUE_NAMES = {"external": "외부", "online": "온라인"}
CONNECTION_NAMES = {
    "ok": "잘 됨",
    "audio": "소리 문제",
    "video": "화면 문제",
    "dropped": "끊김",
    "could_not_join": "접속 못 함",
}


FORMULA_START = ("=", "+", "-", "@", "\t", "\r")  # OWASP CSV injection: what a spreadsheet reads as a formula
_CONTROLS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def csv_cell(value: object) -> object:
    """A CSV cell that never arms a formula (prefixed with `'`) and holds no control characters."""
    if not isinstance(value, str):
        return value
    value = _CONTROLS.sub("", value)
    return "'" + value if value.startswith(FORMULA_START) else value


def _xlsx_row(sheet, values: list) -> None:
    """Text stays text (never a formula, whatever it starts with); characters XML cannot hold are dropped."""
    sheet.append([ILLEGAL_CHARACTERS_RE.sub("", v) if isinstance(v, str) else v for v in values])
    for cell in sheet[sheet.max_row]:
        if isinstance(cell.value, str):
            cell.data_type = "s"


def summary_rows(r: dict) -> list[tuple[str, object]]:
    return [
        ("연도", r["year"]),
        ("결성 모임 수", r["groups"]["formed"]),
        ("승인 모임 수", r["groups"]["approved"]),
        ("활동 모임 수", r["groups"]["active"]),
        ("참여 보호자 수", r["members"]["guardians"]),
        ("참여 아동 수", r["members"]["children"]),
        ("진행 회기", r["sessions"]["held"]),
        ("취소 회기", r["sessions"]["cancelled"]),
        ("누적 보호자 참여", r["participation"]["parents"]),
        ("누적 아동 참여", r["participation"]["children"]),
        ("실 참여 보호자", r["participation"]["unique_parents"]),
        ("실 참여 아동", r["participation"]["unique_children"]),
        ("예산 배정액(원)", r["budget"]["allocated"]),
        ("청구액(원)", r["budget"]["claimed"]),
        ("승인액(원)", r["budget"]["approved"]),
        ("온라인 간담회 진행", r["online"]["sessions_held"]),
        ("온라인 접속 보고", r["online"]["reports"]),
        ("온라인 접속 문제율", r["online"]["problem_rate"]),
        ("기준 시각", r["as_of"]),
    ]


def sheets(r: dict) -> dict[str, tuple[list[str], list[list]]]:
    """Sheet name -> (headers, rows): the summary and one sheet per breakdown."""
    return {
        "요약": (["항목", "값"], [list(row) for row in summary_rows(r)]),
        "활동유형별": (
            ["활동 유형", "코드", "진행 회기"],
            [[KIND_NAMES.get(k, k), k, n] for k, n in r["sessions"]["by_kind"].items()],
        ),
        "월별": (
            ["월", "진행 회기", "보호자 참여", "아동 참여", "취소 회기"],
            [[m["month"], m["sessions"], m["parents"], m["children"], m.get("cancelled", 0)] for m in r["by_month"]],
        ),
        "장소별": (
            ["장소", "진행 회기", "시간"],
            [[VENUE_NAMES.get(v, v), s["sessions"], s["hours"]] for v, s in r["venues"].items()],
        ),
        "예산": (
            ["구분", "금액(원)"],
            [
                ["배정", r["budget"]["allocated"]],
                ["청구", r["budget"]["claimed"]],
                ["승인", r["budget"]["approved"]],
                ["반려", r["budget"].get("rejected", 0)],
            ],
        ),
        "만족도": (
            ["문항", "문항 내용", "영역", "응답 수", "긍정 응답(4·5점)", "긍정률", "평균", "100점 환산"],
            [
                [
                    q["id"],
                    q.get("text"),
                    q.get("category"),
                    q["responses"],
                    q["positive"],
                    q["positive_rate"],
                    q["mean"],
                    q["score100"],
                ]
                for q in r["satisfaction"]["questions"]
            ],
        ),
        "온라인접속": (
            ["접속 상태", "코드", "보고 수"],
            [[CONNECTION_NAMES.get(k, k), k, n] for k, n in r["online"]["by_status"].items()],
        ),
        "선택문항": (
            ["문항", "선택지", "응답 수"],
            [[qid, option, n] for qid, counts in r["choices"].items() for option, n in counts.items()],
        ),
    }


def xlsx(r: dict) -> bytes:
    workbook = Workbook()
    workbook.remove(workbook.active)
    for title, (headers, rows) in sheets(r).items():
        sheet = workbook.create_sheet(title)
        _xlsx_row(sheet, headers)
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        for row in rows:
            _xlsx_row(sheet, row)
        for column, header in zip(sheet.columns, headers):
            sheet.column_dimensions[column[0].column_letter].width = max(12, len(str(header)) * 2 + 2)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def csv_text(r: dict) -> str:
    """Long format (구분, 항목, 세부, 값) so that every breakdown fits one table; UTF-8 with BOM for Excel."""
    out = io.StringIO()
    writer = _SafeWriter(csv.writer(out, lineterminator="\r\n"))
    writer.writerow(["구분", "항목", "세부", "값"])
    for name, value in summary_rows(r):
        writer.writerow(["요약", name, "", value])
    for kind, n in r["sessions"]["by_kind"].items():
        writer.writerow(["활동유형별", KIND_NAMES.get(kind, kind), "진행 회기", n])
    for m in r["by_month"]:
        for label, key in (("진행 회기", "sessions"), ("보호자 참여", "parents"), ("아동 참여", "children")):
            writer.writerow(["월별", m["month"], label, m[key]])
    for venue, s in r["venues"].items():
        writer.writerow(["장소별", VENUE_NAMES.get(venue, venue), "진행 회기", s["sessions"]])
        writer.writerow(["장소별", VENUE_NAMES.get(venue, venue), "시간", s["hours"]])
    for q in r["satisfaction"]["questions"]:
        for label, key in (
            ("응답 수", "responses"),
            ("긍정 응답", "positive"),
            ("긍정률", "positive_rate"),
            ("평균", "mean"),
            ("100점 환산", "score100"),
        ):
            writer.writerow(["만족도", q["id"], label, q[key]])
    for qid, counts in r["choices"].items():
        for option, n in counts.items():
            writer.writerow(["선택문항", qid, option, n])
    for status, n in r["online"]["by_status"].items():
        writer.writerow(["온라인접속", CONNECTION_NAMES.get(status, status), "보고 수", n])
    return "\ufeff" + out.getvalue()


class _SafeWriter:
    def __init__(self, writer):
        self.writer = writer

    def writerow(self, row: list) -> None:
        self.writer.writerow([csv_cell(value) for value in row])
