"""Korean messages for the services' problems: the title by status, field messages by their English text."""

from __future__ import annotations

import re

from jajo.center import CENTER

AGE = CENTER.max_child_age
BY_STATUS = {
    400: "요청을 처리할 수 없습니다.",
    401: "인증이 필요합니다.",
    403: "이 작업을 할 권한이 없습니다.",
    404: "찾을 수 없습니다.",
    409: "현재 상태에서는 할 수 없는 작업입니다.",
    412: "다른 사람이 먼저 수정했습니다. 새로 고친 뒤 다시 시도하세요.",
    413: "파일이 너무 큽니다(10MB 이하).",
    415: "지원하지 않는 파일 형식입니다.",
    422: "입력한 내용을 확인해 주세요.",
    429: "요청이 너무 많습니다. 잠시 후 다시 시도하세요.",
    503: "서비스가 잠시 응답하지 않습니다. 잠시 후 다시 시도하세요.",
}
PATTERNS = [
    (r"missing data for required field|field may not be null|required", "필수 입력 항목입니다."),
    (r"^must not be blank", "내용을 입력하세요."),
    (r"not a valid (integer|number)", "숫자를 입력하세요."),
    (r"not a valid date", "날짜를 YYYY-MM-DD 형식으로 입력하세요."),
    (r"not a valid time|HH:MM", "시간을 HH:MM 형식으로 입력하세요."),
    (rf"must be {re.escape(CENTER.district)}|district", f"{CENTER.district} 주민만 참여할 수 있습니다."),
    (rf"younger than {AGE}|under {AGE}|{AGE} years", f"만 {AGE}세 미만 자녀만 참여할 수 있습니다."),
    (r"in the future", "미래 날짜는 입력할 수 없습니다."),
    (r"end.*after.*start|after start", "종료 시간은 시작 시간보다 늦어야 합니다."),
    (r"overlap|already booked|is taken|clash", "이 시간에 이미 예약된 활동이 있습니다."),
    (r"remaining budget|over the .*budget|exceeds", "남은 활동비를 넘는 청구입니다."),
    (r"not approved", "승인된 모임만 가능합니다."),
    (r"closed", "종료된 모임입니다."),
    (r"not a (current )?member|not a member", "이 모임의 회원이 아닙니다."),
    (r"duplicate", "중복된 항목이 있습니다."),
    (r"consent", "개인정보 수집·이용 동의가 필요합니다."),
    (r"length must be between|shorter than|longer than|at most|at least", "길이를 확인하세요."),
    (r"must be one of|not a valid choice", "허용된 값 중에서 고르세요."),
    (r"greater than or equal|less than or equal|between", "허용된 범위를 벗어났습니다."),
    (r"online", "온라인 간담회는 장소가 온라인이어야 합니다."),
    (r"unknown field", "알 수 없는 항목입니다."),
]


def korean(message: str) -> str:
    """The Korean for a service's (English) message; a message already in Korean is kept."""
    for pattern, text in PATTERNS:
        if re.search(pattern, message, re.IGNORECASE):
            return text
    if len(re.findall(r"[가-힣]", message)) > len(re.findall(r"[A-Za-z]", message)):
        return message
    return f"입력한 값을 확인하세요. ({message})"


def korean_errors(errors: dict) -> dict[str, list[str]]:
    return {
        field: [korean(str(m)) for m in (messages if isinstance(messages, list) else [messages])]
        for field, messages in errors.items()
    }


def korean_problem(status: int, problem: dict) -> str:
    detail = str(problem.get("detail") or "")
    if status in (409, 422) and detail and not detail.startswith("the request does not match"):
        translated = korean(detail)
        if not translated.startswith("입력한 값을 확인하세요."):
            return translated
    return BY_STATUS.get(status, "요청을 처리하지 못했습니다.")
