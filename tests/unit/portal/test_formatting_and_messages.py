from datetime import date

from services.portal.formatting import korean_date, korean_datetime, won
from services.portal.messages import korean, korean_errors, korean_problem
from services.portal.settings import token_from
from services.portal.views.groups import member_body


def test_korean_dates_and_amounts():
    assert korean_date("2025-03-14") == "2025. 3. 14.(금)"
    assert korean_date(date(2026, 12, 1)) == "2026. 12. 1.(화)"
    assert korean_datetime("2025-03-14T01:30:00Z") == "2025. 3. 14.(금) 10:30"  # shown in Seoul time
    assert won(400000) == "400,000원" and won(None) == "0원"


def test_service_messages_become_korean_per_field():
    errors = korean_errors({"district": ["must be 용산구"], "children.0.birth_date": ["Not a valid date."]})
    assert errors["district"] == ["용산구 주민만 참여할 수 있습니다."]
    assert korean("이미 한국어인 메시지") == "이미 한국어인 메시지"
    assert errors["children.0.birth_date"] == ["날짜를 YYYY-MM-DD 형식으로 입력하세요."]
    assert korean("Missing data for required field.") == "필수 입력 항목입니다."
    assert (
        korean_problem(409, {"detail": "the space 키움터 is taken at that time"})
        == "이 시간에 이미 예약된 활동이 있습니다."
    )
    assert korean_problem(503, {}).startswith("서비스가 잠시")


def test_the_portal_token_is_preferred_over_a_staff_one():
    assert token_from("staff:s:aaa,portal:web:bbb") == ("portal", "web", "bbb")
    assert token_from("staff:s:aaa") == ("staff", "s", "aaa")


def test_join_form_becomes_the_api_body_with_consent_for_every_child():
    form = {
        "guardian_name": "박하늘",
        "district": "용산구",
        "children_0_name": "박새봄",
        "children_0_birth_date": "2024-03-14",
        "children_1_birth_date": "2022-07-01",
        "consent": "yes",
    }
    body, values = member_body(form)
    assert [c["birth_date"] for c in body["children"]] == ["2024-03-14", "2022-07-01"]
    assert body["consent"]["children"] == [0, 1] and values["guardian_name"] == "박하늘"
    assert "consent" not in member_body({**form, "consent": ""})[0]
