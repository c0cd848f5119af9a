"""A `multipart` argument location: form fields and files validated by one schema (unknown fields
rejected) and documented in OpenAPI as one multipart/form-data request body."""
from __future__ import annotations

from flask_smorest import Blueprint
from webargs.flaskparser import FlaskParser
from werkzeug.datastructures import CombinedMultiDict

LOCATION = "multipart"


class MultipartParser(FlaskParser):
    __location_map__ = {**FlaskParser.__location_map__, LOCATION: "load_multipart"}

    def load_multipart(self, req, schema):
        return self._makeproxy(CombinedMultiDict([req.form, req.files]), schema)


class MultipartBlueprint(Blueprint):
    """Use `@blp.arguments(Schema, location="multipart")` with `flask_smorest.fields.Upload` file fields."""

    ARGUMENTS_PARSER = MultipartParser()
    DEFAULT_LOCATION_CONTENT_TYPE_MAPPING = {
        **Blueprint.DEFAULT_LOCATION_CONTENT_TYPE_MAPPING, LOCATION: "multipart/form-data",
    }
