"""Links for people (issue 12): an **invite link** (anyone with it may ask to join a group) and a **personal
link** (one member only), shared by KakaoTalk or a printed QR code. Parents never get passwords.

A link is a random 32-byte token in the URL path (`/join/<token>`, `/p/<token>`); only its sha256 is stored,
in the portal's own database. Links expire (default: the end of the group's program year, Seoul time) and can
be revoked. After the first visit of a personal link the guardian keeps a server-side session in an HttpOnly
SameSite=Lax first-party cookie (`jajo_parent`), tied to the link: revoking the link ends that session too."""

from __future__ import annotations

import hashlib
import io
import secrets
from dataclasses import dataclass
from datetime import datetime, time, timedelta, timezone
from typing import Any, overload

from pymongo.database import Database

from services.portal.formatting import SEOUL

INVITE, PERSONAL = "invite", "personal"
COOKIE = "jajo_parent"
SESSION_DAYS = 30  # a guardian's session lasts this long unused (never beyond its link)


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def now() -> datetime:
    return datetime.now(timezone.utc)


def end_of_year(year: int) -> datetime:
    return datetime.combine(datetime(year, 12, 31).date(), time(23, 59, 59), SEOUL).astimezone(timezone.utc)


@dataclass(frozen=True)
class Link:
    id: str  # the token's sha256
    kind: str
    group_id: str
    member_id: str | None
    created_by: str
    expires_at: datetime
    revoked_at: datetime | None

    @classmethod
    def of(cls, doc: dict) -> "Link":
        return cls(
            doc["_id"],
            doc["kind"],
            doc["group_id"],
            doc.get("member_id"),
            doc["created_by"],
            _aware(doc["expires_at"]),
            _aware(doc.get("revoked_at")),
        )

    @property
    def invite_actor(self) -> str:
        """Who joins through an invite link, in the services: the link itself, by its group and the first 16 hex
        digits of its hash (enough to find it; never the token)."""
        return f"invite:{self.group_id}/{self.id[:16]}"

    @property
    def usable(self) -> bool:
        return self.revoked_at is None and now() < self.expires_at


@dataclass(frozen=True)
class Guardian:
    """A guardian's session: who (member, group), through which link, and the CSRF token of its forms."""

    session_id: str
    member_id: str
    group_id: str
    link_id: str
    csrf: str


@overload
def _aware(moment: datetime) -> datetime: ...
@overload
def _aware(moment: None) -> None: ...
def _aware(moment: datetime | None) -> datetime | None:
    if moment is None:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


class LinkError(Exception):
    """A link that does not exist, was revoked or has expired: a Korean error page (410/404)."""

    def __init__(self, message: str, status: int):
        super().__init__(message)
        self.message, self.status = message, status


class Links:
    def __init__(self, db: Database):
        self.links, self.sessions = db["links"], db["guardian_sessions"]

    def ensure_indexes(self) -> None:
        self.sessions.create_index("link_id")
        self.links.create_index("group_id")

    def create(
        self,
        kind: str,
        group_id: str,
        year: int,
        created_by: str,
        member_id: str | None = None,
        expires_at: datetime | None = None,
    ) -> tuple[str, Link]:
        """A new link; the token is returned once (for the QR code and the text to copy) and never stored."""
        token = secrets.token_urlsafe(32)
        doc = {
            "_id": _hash(token),
            "kind": kind,
            "group_id": group_id,
            "member_id": member_id,
            "created_by": created_by,
            "created_at": now(),
            "expires_at": expires_at or end_of_year(year),
            "revoked_at": None,
        }
        self.links.insert_one(doc)
        return token, Link.of(doc)

    def of_group(self, group_id: str) -> list[Link]:
        return [Link.of(d) for d in self.links.find({"group_id": group_id}).sort("created_at", -1)]

    def revoke(self, link_id: str, group_id: str) -> bool:
        done = (
            self.links.update_one(
                {"_id": link_id, "group_id": group_id, "revoked_at": None}, {"$set": {"revoked_at": now()}}
            ).modified_count
            == 1
        )
        self.sessions.delete_many({"link_id": link_id})
        return done

    def find(self, token: str, kind: str) -> Link:
        """The usable link of this token, else LinkError (never says whether a revoked token existed)."""
        doc = self.links.find_one({"_id": _hash(token), "kind": kind}) if token else None
        if doc is None:
            raise LinkError("이 링크는 없는 링크입니다. 주소를 다시 확인하거나 센터에 새 링크를 요청해 주세요.", 404)
        link = Link.of(doc)
        if link.revoked_at is not None:
            raise LinkError(
                "이 링크는 더 이상 쓸 수 없습니다(센터에서 사용을 중지했습니다). 센터에 새 링크를 요청해 주세요.", 410
            )
        if not link.usable:
            raise LinkError("이 링크는 사용 기간이 지났습니다. 센터에 새 링크를 요청해 주세요.", 410)
        return link

    def start_session(self, link: Link, member_id: str) -> tuple[str, Guardian]:
        token = secrets.token_urlsafe(32)
        doc: dict[str, Any] = {
            "_id": _hash(token),
            "member_id": member_id,
            "group_id": link.group_id,
            "link_id": link.id,
            "csrf": secrets.token_urlsafe(24),
            "seen_at": now(),
            "expires_at": link.expires_at,
        }
        self.sessions.insert_one(doc)
        return token, Guardian(doc["_id"], member_id, link.group_id, link.id, doc["csrf"])

    def session(self, token: str | None) -> Guardian | None:
        doc = self.sessions.find_one({"_id": _hash(token)}) if token else None
        if doc is None:
            return None
        link = self.links.find_one({"_id": doc["link_id"]})
        at = now()
        if (
            link is None
            or not Link.of(link).usable
            or at >= _aware(doc["expires_at"])
            or at - _aware(doc["seen_at"]) >= timedelta(days=SESSION_DAYS)
        ):
            self.sessions.delete_one({"_id": doc["_id"]})
            return None
        if at - _aware(doc["seen_at"]) >= timedelta(hours=1):
            self.sessions.update_one({"_id": doc["_id"]}, {"$set": {"seen_at": at}})
        return Guardian(doc["_id"], doc["member_id"], doc["group_id"], doc["link_id"], doc["csrf"])


def qr_svg(url: str) -> str:
    """The link as an SVG QR code, made on the server (qrcode's SVG needs no Pillow), for printing."""
    import qrcode
    import qrcode.image.svg

    image = qrcode.make(url, image_factory=qrcode.image.svg.SvgPathImage, box_size=8, border=2)
    buffer = io.BytesIO()
    image.save(buffer)
    svg = buffer.getvalue().decode()
    return svg[svg.index("<svg") :]
