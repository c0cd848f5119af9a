"""`Content-Disposition` for any file name (RFC 6266): an ASCII fallback plus the real name as `filename*`.
HTTP headers are Latin-1 on the wire, so a Korean name such as `영수증.png` cannot go in `filename=` itself."""
from __future__ import annotations

from urllib.parse import quote


def content_disposition(disposition: str, filename: str) -> str:
    fallback = "".join(c if c.isascii() and c.isprintable() and c not in '"\\' else "_" for c in filename)
    return f"{disposition}; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename, safe='')}"
