"""The center's own facts (district served, program years, child age limit, its spaces) as one typed object.

They come from jajo/center.toml, or from the TOML file that env JAJO_CENTER_FILE names, read once when this
module is first imported: `CENTER` is what the services' rules and the portal use.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass
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

    @property
    def space_names(self) -> tuple[str, ...]:
        return tuple(space.name for space in self.spaces)

    def is_program_year(self, year: int) -> bool:
        return self.first_year <= year <= self.last_year


def load_center(path: str | Path | None = None) -> Center:
    """The center of `path`, else of JAJO_CENTER_FILE, else jajo/center.toml; a missing key is an error."""
    source = Path(path or os.environ.get(CENTER_FILE_ENV) or DEFAULT_FILE)
    with source.open("rb") as file:
        data = tomllib.load(file)
    program = data["program"]
    center = Center(
        name=str(data["name"]),
        district=str(data["district"]),
        first_year=int(program["first_year"]),
        last_year=int(program["last_year"]),
        max_child_age=int(program["max_child_age"]),
        spaces=tuple(
            SpaceFacts(str(s["name"]), int(s["capacity"]), str(s["opens"]), str(s["closes"])) for s in data["spaces"]
        ),
    )
    if center.first_year > center.last_year or not center.spaces:
        raise ValueError(f"{source}: first_year after last_year, or no spaces")
    return center


CENTER = load_center()
