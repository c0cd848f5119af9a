from marshmallow import Schema, fields


class EventList(Schema):
    events = fields.List(fields.Dict(), required=True, metadata={"description": "CloudEvents 1.0 envelopes"})
