"""Read-model documents in parts (generation.part_id): the queries read them whole, also beside a document
written before documents had parts."""

from __future__ import annotations

import pytest

from services.reporting import generation
from services.reporting.projection import Op

pytestmark = pytest.mark.integration


def test_parts_of_members_and_a_document_from_before_parts_read_as_one(reporting):
    db = reporting.db
    years, groups = generation.collection_name(1, "years"), generation.collection_name(1, "groups")
    db[years].insert_one({"_id": "2025", "sessions": {"held": 2}, "member_ids": ["m1"]})  # before parts had `of`
    db[groups].insert_one({"_id": "g1", "year": 2025, "held": 1})
    generation.apply_ops(
        db,
        1,
        [
            Op("years", "2025", inc={"sessions.held": 1}, add={"member_ids": ["m1", "m2"]}, shard="1"),
            Op("groups", "g1", inc={"held": 2}, shard="1"),
            Op("groups", "g2", inc={"held": 5}, shard="1"),  # its facts (year) not written yet by anyone
        ],
    )
    models = generation.current_models(db)
    year = models.get("years", "2025")
    assert year is not None and year["sessions"] == {"held": 3} and sorted(year["member_ids"]) == ["m1", "m2"]
    assert [(g["_id"], g["held"]) for g in models.find("groups", year=2025)] == [("g1", 3)]
    generation.apply_ops(db, 1, [Op("groups", "g2", set={"year": 2025}, inc={"held": 1})])
    assert [(g["_id"], g["held"]) for g in models.find("groups", year=2025)] == [("g1", 3), ("g2", 6)]
    assert models.get("groups", "g2") == {"_id": "g2", "year": 2025, "held": 6}
    assert models.get("groups", "nope") is None
