"""`Content-Disposition` for any file name (RFC 6266): an ASCII fallback plus the real name as `filename*`.
HTTP headers are Latin-1 on the wire, so a Korean name such as `영수증.png` cannot go in `filename=` itself."""

from __future__ import annotations

from urllib.parse import quote

from jajo.fields import clean_filename


def content_disposition(filename: str, disposition: str = "attachment") -> str:
    """An ASCII `filename` fallback and the exact name as RFC 8187 `filename*`, whatever the name holds
    (a name stored before it was cleaned may hold quotes, control characters or line breaks)."""
    name = clean_filename(filename)
    fallback = "".join(ch if 32 <= ord(ch) < 127 and ch not in '"\\%' else "_" for ch in name)
    return f"{disposition}; filename=\"{fallback}\"; filename*=UTF-8''{quote(name, safe='')}"
