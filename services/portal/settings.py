"""The portal's settings: the services' URLs, its token, cookie and session rules (env, overridable in tests)."""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

from environs import Env

from jajo.config import secret

ROOT = Path(__file__).resolve().parents[2]
SERVICE_PORTS = {"registration": 8001, "activity": 8002, "survey": 8003, "reporting": 8004}


@dataclass(frozen=True)
class PortalSettings:
    service_urls: dict
    api_token: str = ""  # a `portal` role token (a `staff` one before the services know that role)
    token_name: str = "portal"
    names_the_person: bool = True  # send X-Jajo-Actor (only a `portal` role token may)
    node_modules: Path = ROOT / "node_modules"
    session_hours: float = 8.0  # absolute lifetime of a sign-in
    idle_minutes: float = 60.0  # a session unused this long expires
    secure_cookies: bool = False  # Secure cookies: set PORTAL_SECURE_COOKIES=1 behind TLS
    signin_attempts: int = 5  # failures per account (and per address) within signin_window_minutes
    signin_window_minutes: float = 15.0
    api_timeout: float = 15.0

    def override(self, **changes) -> "PortalSettings":
        return replace(self, **changes)


def token_from(api_tokens: str, preferred: tuple[str, ...] = ("portal", "staff")) -> tuple[str, str, str]:
    """The (role, name, token) of the first `portal` (else `staff`) entry of an API_TOKENS list."""
    entries = [part.strip().split(":") for part in api_tokens.split(",") if part.strip()]
    for role in preferred:
        for parts in entries:
            if parts[0] == role and len(parts) in (2, 3):
                return role, (parts[1] if len(parts) == 3 else role), parts[-1]
    return "portal", "portal", ""


def load_portal_settings() -> PortalSettings:
    env = Env()
    urls = {
        name: env.str(f"PORTAL_{name.upper()}_URL", f"http://127.0.0.1:{env.int(f'{name.upper()}_PORT', port)}")
        for name, port in SERVICE_PORTS.items()
    }
    role, name, token = token_from(secret(env, "API_TOKENS", ""))
    return PortalSettings(
        service_urls=urls,
        api_token=env.str("PORTAL_API_TOKEN", token),
        token_name=env.str("PORTAL_TOKEN_NAME", name),
        names_the_person=env.bool("PORTAL_NAMES_THE_PERSON", role == "portal"),
        node_modules=Path(env.str("JAJO_NODE_MODULES", str(ROOT / "node_modules"))),
        session_hours=env.float("PORTAL_SESSION_HOURS", 8.0),
        idle_minutes=env.float("PORTAL_IDLE_MINUTES", 60.0),
        secure_cookies=env.bool("PORTAL_SECURE_COOKIES", False),
        signin_attempts=env.int("PORTAL_SIGNIN_ATTEMPTS", 5),
    )
