"""The annual report as the demo prints it, and its check against the center's 2025 figures."""

from __future__ import annotations

from demo.plan import TARGET, YEAR


def table(report: dict) -> str:
    s, p = report["sessions"], report["participation"]
    rows = [
        ("연도", report["year"]),
        ("결성/승인/활동 모임", "{formed} / {approved} / {active}".format(**report["groups"])),
        ("참여 보호자 / 아동", f"{report['members']['guardians']} / {report['members']['children']}"),
        ("진행 회기", s["held"]),
        ("취소 회기", s["cancelled"]),
        ("정기 / 특별활동 / 온라인 간담회", "{regular} / {special} / {online}".format(**s["by_kind"])),
        ("누적 보호자 참여", p["parents"]),
        ("누적 아동 참여", p["children"]),
        ("실 참여 보호자 / 아동", f"{p['unique_parents']} / {p['unique_children']}"),
        ("예산 배정 / 청구 / 승인 (원)", "{allocated:,} / {claimed:,} / {approved:,}".format(**report["budget"])),
    ]
    lines = [f"{YEAR} 자조모임 연간 보고 (기준 {report['as_of']})", "-" * 60]
    lines += [f"{name:<28}{value}" for name, value in rows]
    lines += ["", f"{'월':<10}{'회기':>6}{'보호자':>8}{'아동':>8}"]
    lines += [f"{m['month']:<10}{m['sessions']:>6}{m['parents']:>8}{m['children']:>8}" for m in report["by_month"]]
    lines += ["", f"{'장소':<12}{'회기':>6}{'시간':>8}"]
    lines += [f"{v:<12}{d['sessions']:>6}{d['hours']:>8}" for v, d in report["venues"].items()]
    lines += ["", f"{'문항':<6}{'영역':<18}{'응답':>5}{'긍정':>5}{'긍정률':>8}{'평균':>6}{'100점':>7}"]
    lines += [
        f"{q['id']:<6}{q['category'] or '':<18}{q['responses']:>5}{q['positive']:>5}"
        f"{q['positive_rate'] * 100:>7.1f}%{q['mean']:>6}{q['score100']:>7}"
        for q in report["satisfaction"]["questions"]
    ]
    for qid, counts in report["choices"].items():
        lines += ["", f"{qid} 선택 응답"] + [f"  {option:<20}{n:>5}" for option, n in counts.items()]
    return "\n".join(lines)


def check(report: dict) -> list[str]:
    problems = []
    found = {
        "held": report["sessions"]["held"],
        "parents": report["participation"]["parents"],
        "children": report["participation"]["children"],
    }
    for name, want in TARGET.items():
        if found[name] != want:
            problems.append(f"{name}: {found[name]} ≠ {want}")
    rates = {q["category"]: q["positive_rate"] for q in report["satisfaction"]["questions"]}
    for category in ("activity_support", "operation"):
        if rates.get(category) != 1.0:
            problems.append(f"{category} positive rate {rates.get(category)} ≠ 1.0")
    return problems
