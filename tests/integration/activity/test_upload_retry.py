"""A poor connection must not lose a file nor store it twice (issue 12): activity as a live HTTP server, a
guardian's upload cut off midway, then retried with the same Idempotency-Key as the phone page does, and an
answer lost on the way back, retried again. One document, one file, one event; a new key is a new document."""

from __future__ import annotations

import hashlib
import os
import socket
import threading
import uuid
from urllib.parse import urlsplit

import pytest
import requests
from werkzeug.serving import make_server

from tests.conftest import acting
from tests.waiting import eventually

pytestmark = pytest.mark.integration
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"


@pytest.fixture
def server(activity):
    live = make_server("127.0.0.1", 0, activity.client_app.application, threaded=True)
    thread = threading.Thread(target=live.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{live.server_port}"
    live.shutdown()
    thread.join(10)
    live.server_close()


def multipart(fields: dict, content: bytes) -> tuple[bytes, str]:
    boundary = uuid.uuid4().hex
    parts = [
        f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
        for name, value in fields.items()
    ]
    parts.append(
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="IMG_0042.jpg"\r\n'
        f"Content-Type: image/jpeg\r\n\r\n".encode()
        + content
        + b"\r\n"
    )
    return b"".join(parts) + f"--{boundary}--\r\n".encode(), f"multipart/form-data; boundary={boundary}"


def cut_off(base: str, headers: dict, body: bytes, content_type: str) -> None:
    """Send the headers and half the body, then drop the connection (a phone losing its signal)."""
    url = urlsplit(base)
    lines = [
        "POST /api/v1/documents HTTP/1.1",
        f"Host: {url.netloc}",
        f"Content-Type: {content_type}",
        f"Content-Length: {len(body)}",
        "Connection: close",
        *(f"{k}: {v}" for k, v in headers.items()),
    ]
    with socket.create_connection((url.hostname, url.port), timeout=10) as raw:
        raw.sendall(("\r\n".join(lines) + "\r\n\r\n").encode() + body[: len(body) // 2])


def send(base: str, headers: dict, body: bytes, content_type: str) -> requests.Response:
    """What the phone page does: send again while the service answers 409 with Retry-After (still working)."""

    def answered():
        answer = requests.post(
            f"{base}/api/v1/documents", data=body, timeout=30, headers={**headers, "Content-Type": content_type}
        )
        return [answer] if not (answer.status_code == 409 and "Retry-After" in answer.headers) else None

    return eventually(answered, what="an answer other than 409 still-working")[0]


def stored(activity, group_id: str) -> tuple[list[dict], int, int]:
    views = list(activity.db["document_views"].find({"group_id": group_id}))
    ids = [v["_id"] for v in views]
    events = activity.db["events"].count_documents({"type": "DocumentSubmitted", "subject": {"$in": ids}})
    return views, events, activity.db["documents.files"].count_documents({})


def test_a_cut_off_upload_retried_with_its_key_is_stored_once(server, activity, registry):
    group_id, members = registry.approved_group()
    guardian = acting(f"guardian:{next(iter(members))}")
    photo = JPEG + os.urandom(3 * 1024 * 1024)
    body, content_type = multipart({"kind": "activity_plan", "group_id": group_id}, photo)
    key = {"Idempotency-Key": uuid.uuid4().hex}

    cut_off(server, {**guardian, **key}, body, content_type)
    first = send(server, {**guardian, **key}, body, content_type)
    assert first.status_code == 201, first.text
    document = first.json()
    assert document["sha256"] == hashlib.sha256(photo).hexdigest() and document["size"] == len(photo)

    again = send(server, {**guardian, **key}, body, content_type)  # the 201 was lost on the way back
    assert again.status_code == 201 and again.headers["Idempotent-Replayed"] == "true"
    assert again.json() == document
    views, events, files = stored(activity, group_id)
    assert [v["_id"] for v in views] == [document["id"]] and events == 1 and files == 1
    assert activity.files.read(document["id"]) == photo

    other_body, other_type = multipart({"kind": "activity_plan", "group_id": group_id}, JPEG + os.urandom(1024))
    reused = send(server, {**guardian, **key}, other_body, other_type)  # the key with another file: refused
    assert reused.status_code == 422 and "Idempotency-Key" in reused.json()["detail"]

    fresh = send(server, {**guardian, "Idempotency-Key": uuid.uuid4().hex}, body, content_type)
    assert fresh.status_code == 201 and "Idempotent-Replayed" not in fresh.headers  # a new key: a new document
    assert fresh.json()["id"] != document["id"] and fresh.json()["sha256"] == document["sha256"]
    views, events, files = stored(activity, group_id)
    assert len(views) == 2 and events == 2 and files == 2
