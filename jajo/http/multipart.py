"""A `multipart` argument location: form fields and files validated by one schema (unknown fields
rejected) and documented in OpenAPI as one multipart/form-data request body."""

from __future__ import annotations

from flask import Request
from flask_smorest import Blueprint
from webargs.flaskparser import FlaskParser
from werkzeug.datastructures import CombinedMultiDict

LOCATION = "multipart"


class ClosingRequest(Request):
    """Closes every file its body was parsed into when the request ends. werkzeug closes only the files that
    made it into `request.files`: when the body stops midway (a phone losing its connection) the part being
    written stays open until the garbage collector finds it."""

    def _get_file_stream(self, total_content_length, content_type, filename=None, content_length=None):
        stream = super()._get_file_stream(total_content_length, content_type, filename, content_length)
        self.__dict__.setdefault("_parsed_files", []).append(stream)
        return stream

    def close(self) -> None:
        super().close()
        for stream in self.__dict__.pop("_parsed_files", []):
            stream.close()


class MultipartParser(FlaskParser):
    __location_map__ = {**FlaskParser.__location_map__, LOCATION: "load_multipart"}

    def load_multipart(self, req, schema):
        return self._makeproxy(CombinedMultiDict([req.form, req.files]), schema)


class MultipartBlueprint(Blueprint):
    """Use `@blp.arguments(Schema, location="multipart")` with `flask_smorest.fields.Upload` file fields."""

    ARGUMENTS_PARSER = MultipartParser()
    DEFAULT_LOCATION_CONTENT_TYPE_MAPPING = {
        **Blueprint.DEFAULT_LOCATION_CONTENT_TYPE_MAPPING,
        LOCATION: "multipart/form-data",
    }
