"""Front-end files from npm (`npm ci` → node_modules), served by the portal itself with fingerprinted URLs.

Only the folders named in PACKAGES are served; nothing is copied into the repository and no CDN is used.
`asset_url("htmx", "htmx.min.js")` → `/assets/htmx/htmx.min.js?v=<hash>` (cached for a year)."""

from __future__ import annotations

import hashlib
from functools import lru_cache
from pathlib import Path

from flask import Blueprint, abort, current_app, request, send_from_directory, url_for

PACKAGES = {
    "krds": "krds-uiux/resources",
    "htmx": "htmx.org/dist",
    "echarts": "echarts/dist",
    "swagger-ui": "swagger-ui-dist",
}
OWN = Path(__file__).parent / "static"
blueprint = Blueprint("assets", __name__)


def folder(package: str) -> Path:
    if package == "portal":
        return OWN
    if package not in PACKAGES:
        abort(404)
    return current_app.extensions["portal"].settings.node_modules / PACKAGES[package]


@lru_cache(maxsize=256)
def _fingerprint(path: Path, mtime: float) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()[:12]


def asset_url(package: str, name: str) -> str:
    path = folder(package) / name
    try:
        version = _fingerprint(path, path.stat().st_mtime)
    except OSError:
        raise RuntimeError(f"front-end file {path} is missing: run `npm ci` (make up / make test do)") from None
    return url_for("assets.serve", package=package, name=name, v=version)


@blueprint.get("/assets/<package>/<path:name>")
def serve(package: str, name: str):
    response = send_from_directory(folder(package), name, max_age=31536000 if request.args.get("v") else 300)
    if request.args.get("v"):
        response.headers["Cache-Control"] = "public, max-age=31536000, immutable"
    return response
