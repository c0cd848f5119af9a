"""The navigation bar: (endpoint, label, who may see it). Add a feature's page here."""

NAV = [
    ("dashboard.index", "대시보드", ("staff", "viewer")),
    ("groups.index", "모임", ("staff",)),
    ("schedule.index", "활동 일정", ("staff",)),
    ("funding.index", "활동비", ("staff",)),
    ("documents.index", "서류", ("staff",)),
    ("surveys.index", "만족도 조사", ("staff",)),
    ("audit.index", "감사 기록", ("staff", "viewer")),
    ("operations.index", "운영 상태", ("staff",)),
]
