"""`GET /api/v1/outbox` for the write services: how many stored events have not reached Kafka yet.

Register it beside the service's own blueprints: `create_service_app(name, [api.blp, outbox.blp], ...)`.
The wired service must have a `store` (jajo.eventstore.EventStore), as a write service's `jajo.bootstrap.Service` does.
"""

from __future__ import annotations

from flask_smorest import Blueprint
from marshmallow import Schema, fields

from jajo.http.app import service
from jajo.http.schemas import problem_responses

blp = Blueprint("outbox", __name__, description="The transactional outbox of this service")


class OutboxStatus(Schema):
    pending = fields.Integer(required=True, metadata={"description": "events stored but not yet on Kafka"})


@blp.get("/outbox")
@blp.response(200, OutboxStatus)
@problem_responses(blp, 401, 403, 503)
def outbox_status():
    """Events stored but not yet published. A client that sees `pending == 0` on every write service and then
    reporting's `lag == 0` knows the report includes everything it wrote."""
    return {"pending": service().store.pending_count()}
