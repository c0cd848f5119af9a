"""The center's own facts (district served, program years, child age limit, retention period of personal data,
its spaces) as one typed object.

They come from jajo/center.toml, or from the TOML file that env JAJO_CENTER_FILE names, read once when this
module is first imported: `CENTER` is what the services' rules and the portal use.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass
from datetime import date
from pathlib import Path

CENTER_FILE_ENV = "JAJO_CENTER_FILE"
DEFAULT_FILE = Path(__file__).with_name("center.toml")


@dataclass(frozen=True)
class SpaceFacts:
    name: str
    capacity: int
    opens: str
    closes: str


@dataclass(frozen=True)
class Center:
    name: str
    district: str
    first_year: int
    last_year: int
    max_child_age: int
    spaces: tuple[SpaceFacts, ...]
    retention_years: int = 3  # personal data of a group of year Y is kept until 31 December Y + retention_years

    @property
    def space_names(self) -> tuple[str, ...]:
        return tuple(space.name for space in self.spaces)

    def is_program_year(self, year: int) -> bool:
        return self.first_year <= year <= self.last_year

    def retained_until(self, year: int) -> date:
        """The last day the personal data of a program year's members is kept (개인정보 보유기간, 제21조)."""
        return date(year + self.retention_years, 12, 31)

    def last_expired_year(self, today: date) -> int:
        """The latest program year whose retention period has ended by `today` (a Seoul calendar day): the
        data of every year up to this one is due for erasure."""
        return today.year - self.retention_years - 1

    def retention_ended(self, year: int, today: date) -> bool:
        return year <= self.last_expired_year(today)


def load_center(path: str | Path | None = None) -> Center:
    """The center of `path`, else of JAJO_CENTER_FILE, else jajo/center.toml; a missing key is an error, except
    `privacy.retention_years` (3 when absent)."""
    source = Path(path or os.environ.get(CENTER_FILE_ENV) or DEFAULT_FILE)
    with source.open("rb") as file:
        data = tomllib.load(file)
    program = data["program"]
    privacy = data.get("privacy", {})
    center = Center(
        name=str(data["name"]),
        district=str(data["district"]),
        first_year=int(program["first_year"]),
        last_year=int(program["last_year"]),
        max_child_age=int(program["max_child_age"]),
        spaces=tuple(
            SpaceFacts(str(s["name"]), int(s["capacity"]), str(s["opens"]), str(s["closes"])) for s in data["spaces"]
        ),
        retention_years=int(privacy.get("retention_years", Center.retention_years)),
    )
    if center.first_year > center.last_year or not center.spaces:
        raise ValueError(f"{source}: first_year after last_year, or no spaces")
    if center.retention_years < 0:
        raise ValueError(f"{source}: privacy.retention_years is negative")
    return center


CENTER = load_center()
