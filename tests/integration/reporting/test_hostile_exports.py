"""Exports never arm a formula and never break on control characters (OWASP CSV injection, issue 14)."""

from __future__ import annotations

import csv
import io

from openpyxl import load_workbook

from tests.conftest import VIEWER
from tests.unit.reporting.program import small_program

HOSTILE = ['=HYPERLINK("http://x")', "+1+1", "-2+3", "@SUM(A1)", "\tx", "\rx", "a\x01b\x1fc"]


def test_cells_that_start_like_formulas_are_text_and_control_characters_do_not_break_exports(http, feed):
    program = small_program()
    for _, envelope in program.events:
        if envelope["type"] == "SurveyPublished":
            for question, text in zip(envelope["data"]["questions"], HOSTILE):
                question["text"] = text
            envelope["data"]["questions"][2]["options"][0] = "=1+1"
    feed(program.events)
    book = load_workbook(io.BytesIO(http.get("/api/v1/reports/annual/2025.xlsx", headers=VIEWER).data))
    for sheet in book:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (sheet.title, cell.coordinate, cell.value)
    texts = [row[1] for row in book["만족도"].iter_rows(min_row=2, values_only=True)]
    assert '=HYPERLINK("http://x")' in texts or "+1+1" in texts  # kept as text, not evaluated
    answer = http.get("/api/v1/reports/annual/2025.csv", headers=VIEWER)
    assert answer.status_code == 200
    rows = list(csv.reader(io.StringIO(answer.get_data(as_text=True).lstrip("\ufeff"))))
    for row in rows:
        for cell in row:
            assert not cell.startswith(("=", "+", "-", "@", "\t", "\r")), row
    assert any(cell == "'=1+1" for row in rows for cell in row)
