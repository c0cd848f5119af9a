"""The command bus: runs a command's handler in a fresh unit of work, retrying lost races."""

from __future__ import annotations

import random
import time
from dataclasses import dataclass
from functools import partial
from typing import Any, Callable

from jajo import tracing
from jajo.errors import ConcurrencyConflict, PreconditionFailed
from jajo.unit_of_work import UnitOfWork

Handler = Callable[[Any, UnitOfWork], Any]


def bind(handlers: dict[type, Callable[..., Any]], **parts: Any) -> dict[type, Handler]:
    """The handler table of a service whose handlers also take its parts (`deps=`, `views=`) as keywords."""
    return {command: partial(handler, **parts) for command, handler in handlers.items()}


@dataclass
class CommandBus:
    handlers: dict[type, Handler]
    uow_factory: Callable[..., UnitOfWork]
    retries: int = 40

    def handle(self, command: Any, **uow_options: Any) -> Any:
        with tracing.span(f"command {type(command).__name__}"):  # the span its events' envelopes carry
            return self._handle(command, **uow_options)

    def _handle(self, command: Any, **uow_options: Any) -> Any:
        handler = self.handlers[type(command)]
        for attempt in range(self.retries):
            uow = self.uow_factory(**uow_options)
            try:
                return handler(command, uow)
            except ConcurrencyConflict:
                if uow.expected_version is not None:
                    raise PreconditionFailed("the resource changed since the version in If-Match") from None
                if attempt == self.retries - 1:
                    raise
                time.sleep(random.uniform(0, 0.005 * (attempt + 1)))
        raise AssertionError("unreachable")
