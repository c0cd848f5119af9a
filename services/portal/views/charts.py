"""ECharts options built on the server (portal.js draws them); every chart has a data table beside it."""

from __future__ import annotations

COLORS = ["#256ef4", "#228738", "#e0791a", "#6a4fd0"]
BASE = {
    "animation": False,
    "color": COLORS,
    "textStyle": {"fontFamily": "Pretendard GOV, sans-serif"},
    "grid": {"left": 48, "right": 24, "top": 48, "bottom": 32},
    "tooltip": {"trigger": "axis"},
    "aria": {"enabled": True},
}


def bars(labels: list[str], series: dict[str, list], *, line: frozenset[str] | set[str] = frozenset()) -> dict:
    return {
        **BASE,
        "legend": {"top": 0},
        "xAxis": {"type": "category", "data": labels},
        "yAxis": {"type": "value"},
        "series": [
            {"name": name, "type": "line" if name in line else "bar", "data": values} for name, values in series.items()
        ],
    }


def for_report(report: dict, spaces: tuple[str, ...]) -> dict:
    months = [f"{int(m['month'][5:])}월" for m in report["by_month"]]
    venues = report.get("venues", {})
    questions = report["satisfaction"]["questions"]
    return {
        "months": bars(
            months,
            {
                "활동 횟수": [m["sessions"] for m in report["by_month"]],
                "참여 부모(연인원)": [m["parents"] for m in report["by_month"]],
                "참여 자녀(연인원)": [m["children"] for m in report["by_month"]],
            },
            line={"참여 부모(연인원)", "참여 자녀(연인원)"},
        ),
        "venues": bars(list(spaces), {"이용 시간": [venues.get(s, {}).get("hours", 0) for s in spaces]}),
        "satisfaction": bars(
            [q.get("text") or q["id"] for q in questions],
            {"100점 환산": [round(q.get("score100", 0), 1) for q in questions]},
        ),
    }


def counts(labels: list[str], values: list[int], name: str = "응답 수") -> dict:
    return bars(labels, {name: values})
