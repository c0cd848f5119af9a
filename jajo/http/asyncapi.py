"""`GET /asyncapi.json`: the AsyncAPI description of the topic this write service publishes (jajo.asyncapi); public
like /openapi.json. create_service_app registers it when given the service's event catalogue."""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify

from jajo.asyncapi import document

blueprint = Blueprint("asyncapi", __name__)


@blueprint.get("/asyncapi.json", endpoint="asyncapi_json")
def asyncapi_json():
    return jsonify(document(current_app.config["JAJO_CATALOGUE"], current_app.extensions["jajo"].settings))
