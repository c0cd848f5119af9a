"""Read-model documents written in parts by several projector members, merged when read (no database)."""

from __future__ import annotations

import random

from services.reporting import generation
from services.reporting.projection import COLLECTIONS, COUNTERS, project_all, replay
from tests.unit.reporting.program import small_program


def test_counters_are_exactly_the_fields_the_projection_increments():
    ops = project_all(e for _, e in small_program().events)
    for op in ops:
        assert {path.split(".")[0] for path in op.inc} <= COUNTERS.get(op.coll, frozenset()), op
        stated = {path.split(".")[0] for path in (*op.add, *op.set)}
        assert not stated & COUNTERS.get(op.coll, frozenset()), op


def _parts(models, shard: str) -> dict[str, list[dict]]:
    return {
        name: [{**doc, "_id": f"{doc_id}#{shard}", generation.OF: doc_id} for doc_id, doc in docs.items()]
        for name, docs in models.docs.items()
    }


def test_the_parts_of_any_split_of_the_events_merge_into_the_documents_of_all_of_them():
    events = [e for _, e in small_program().events]
    whole = replay(events)
    for seed in range(5):
        chosen = random.Random(seed)
        shards = [[], [], []]
        for envelope in events:
            shards[chosen.randrange(3)].append(envelope)
        parts = [_parts(replay(shard), str(n)) for n, shard in enumerate(shards)]
        for name in COLLECTIONS:
            by_id: dict[str, list[dict]] = {}
            for part in (doc for shard in parts for doc in shard[name]):
                by_id.setdefault(part[generation.OF], []).append(part)
            merged = {doc_id: generation._normalise(generation.merge(name, docs)) for doc_id, docs in by_id.items()}
            assert merged == {doc_id: generation._normalise(doc) for doc_id, doc in whole.docs[name].items()}
