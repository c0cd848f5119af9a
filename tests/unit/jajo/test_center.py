"""The center's facts come from one TOML file (jajo/center.toml, or the file JAJO_CENTER_FILE names)."""

from __future__ import annotations

import subprocess
from datetime import date
import sys
from pathlib import Path

import pytest

from jajo.center import CENTER, DEFAULT_FILE, load_center
from services.activity.domain import CENTER_SPACES, load_spaces
from services.registration.domain import MAX_CHILD_AGE, SERVED_DISTRICT
from services.reporting.projection import VENUES

ROOT = Path(__file__).resolve().parents[3]


def test_the_defaults_are_the_values_in_effect():
    assert (CENTER.district, CENTER.max_child_age, CENTER.first_year, CENTER.last_year) == ("용산구", 7, 2020, 2100)
    assert [(s.name, s.capacity, s.opens, s.closes) for s in CENTER.spaces] == [
        ("키움터", 30, "09:00", "18:00"),
        ("자람터", 20, "09:00", "18:00"),
        ("공동육아방", 15, "09:00", "18:00"),
    ]


def test_the_services_take_their_rules_from_it():
    assert (SERVED_DISTRICT, MAX_CHILD_AGE) == (CENTER.district, CENTER.max_child_age)
    assert CENTER_SPACES == CENTER.space_names == VENUES[:3]
    assert {name: space.capacity for name, space in load_spaces(None).items()} == {
        s.name: s.capacity for s in CENTER.spaces
    }


def another_center(tmp_path: Path) -> Path:
    text = DEFAULT_FILE.read_text(encoding="utf-8").replace('district = "용산구"', 'district = "마포구"')
    text = text.replace("max_child_age = 7", "max_child_age = 6").replace('name = "키움터"', 'name = "새싹방"')
    path = tmp_path / "center.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_another_center_changes_the_file_not_the_code(tmp_path):
    center = load_center(another_center(tmp_path))
    assert (center.district, center.max_child_age, center.space_names[0]) == ("마포구", 6, "새싹방")
    script = (
        "from services.registration.domain import SERVED_DISTRICT, MAX_CHILD_AGE; "
        "from services.activity.domain import CENTER_SPACES; print(SERVED_DISTRICT, MAX_CHILD_AGE, CENTER_SPACES[0])"
    )
    out = subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
        env={"PATH": "/usr/bin:/bin", "JAJO_CENTER_FILE": str(another_center(tmp_path))},
    ).stdout
    assert out.split() == ["마포구", "6", "새싹방"]


def test_a_center_without_spaces_is_refused(tmp_path):
    path = tmp_path / "center.toml"
    path.write_text(
        'name = "x"\ndistrict = "y"\nspaces = []\n[program]\nfirst_year = 2020\nlast_year = 2100\nmax_child_age = 7\n',
        encoding="utf-8",
    )
    with pytest.raises(ValueError):
        load_center(path)


def test_the_retention_period_is_the_files_and_defaults_to_three_years(tmp_path):
    assert CENTER.retention_years == 3
    path = tmp_path / "center.toml"
    text = DEFAULT_FILE.read_text(encoding="utf-8")
    path.write_text(text.replace("retention_years = 3", "retention_years = 5"), encoding="utf-8")
    longer = load_center(path)
    assert (longer.retention_years, longer.retained_until(2026), longer.last_expired_year(date(2032, 1, 1))) == (
        5,
        date(2031, 12, 31),
        2026,
    )
    path.write_text(text.replace("retention_years = 3", "retention_years = -1"), encoding="utf-8")
    with pytest.raises(ValueError):
        load_center(path)
    path.write_text(text.replace("retention_years = 3", ""), encoding="utf-8")
    assert load_center(path).retention_years == 3
