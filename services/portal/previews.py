"""A small JPEG of an uploaded photo, so that staff and parents see any photo in any browser: HEIC (iPhone)
photos through pillow-heif, JPEG and PNG through Pillow. PDFs get no preview (the page shows a PDF badge)."""

from __future__ import annotations

import io

from flask import Response, abort

IMAGES = ("image/jpeg", "image/png", "image/heic", "image/heif")
SIZE = (640, 640)


def jpeg_preview(data: bytes, content_type: str) -> bytes | None:
    if content_type not in IMAGES:
        return None
    from PIL import Image, ImageOps
    from pillow_heif import register_heif_opener

    register_heif_opener()
    with Image.open(io.BytesIO(data)) as image:
        image = ImageOps.exif_transpose(image)  # type: ignore[assignment]
        image.thumbnail(SIZE)
        out = io.BytesIO()
        image.convert("RGB").save(out, "JPEG", quality=80)
    return out.getvalue()


def preview_response(documents, document_id: str) -> Response:
    """A JPEG preview of a photo (HEIC too), for staff and parents alike; 404 for a PDF."""
    doc = documents.get(document_id)
    if doc["content_type"] not in IMAGES:
        abort(404)
    image = jpeg_preview(documents.content(document_id).content, doc["content_type"])
    if image is None:
        abort(404)
    response = Response(image, mimetype="image/jpeg")
    response.headers["Cache-Control"] = "private, max-age=300"
    return response
