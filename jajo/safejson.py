"""JSON that MongoDB and Python can hold, whoever sent it: one check for topic messages and HTTP bodies.

Rejected: nesting deeper than MAX_DEPTH (json.loads would raise RecursionError far below any body limit),
NaN and Infinity, integers beyond 64 bits (BSON has no such number) or past Python's digit limit, lone
surrogates (no UTF-8 for them: BSON refuses them) and NUL in a field name."""

from __future__ import annotations

import json
from typing import Any

MAX_DEPTH = 32
INT64 = 2**63


class UnsafeJSON(ValueError):
    """Parsed or not, this JSON cannot be stored: the message says why, `path` where (dotted, None if unknown)."""

    def __init__(self, message: str, path: str | None = None):
        super().__init__(message)
        self.path = path


def loads(raw: bytes | str) -> Any:
    try:
        value = json.loads(raw, parse_constant=_no_constant)
    except RecursionError:
        raise UnsafeJSON(f"nested deeper than {MAX_DEPTH} levels") from None
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise
    except ValueError as exc:  # a number past Python's digit limit, NaN or Infinity
        raise UnsafeJSON(f"not usable JSON: {str(exc)[:100]}") from None
    check(value)
    return value


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")


def check(document: Any) -> None:
    """Walk a parsed document without recursion: depth, names, strings and numbers MongoDB can store."""
    pending: list[tuple[Any, int, str]] = [(document, 1, "")]
    while pending:
        value, depth, path = pending.pop()
        where = path or "_body"
        if depth > MAX_DEPTH:
            raise UnsafeJSON(f"nested deeper than {MAX_DEPTH} levels", where)
        if isinstance(value, dict):
            for name, item in value.items():
                if not isinstance(name, str) or "\x00" in name or not encodable(name):
                    raise UnsafeJSON("a field name holds NUL or a lone surrogate", where)
                pending.append((item, depth + 1, f"{path}.{name}" if path else name))
        elif isinstance(value, list):
            pending.extend(
                (item, depth + 1, f"{path}.{index}" if path else str(index)) for index, item in enumerate(value)
            )
        elif isinstance(value, str):
            if not encodable(value):
                raise UnsafeJSON("a string holds a lone surrogate", where)
        elif isinstance(value, int) and not isinstance(value, bool):
            if not -INT64 <= value < INT64:
                raise UnsafeJSON("an integer does not fit in 64 bits", where)
        elif isinstance(value, float) and (value != value or value in (float("inf"), float("-inf"))):
            raise UnsafeJSON("NaN and Infinity are not JSON numbers", where)


def encodable(text: str) -> bool:
    try:
        text.encode("utf-8")
        return True
    except UnicodeEncodeError:
        return False
