"""The periodic e-mail of every domain, which the notification worker queues on each pass
(``flask notifications send``): visit reminders, check-in reminders, opening announcements.

Each domain owns a function that queues the e-mails due at ``now`` (flush, never commit) and
returns how many it handled; create_app registers them here (register_due_mail), in the order
the worker runs them. The worker asks the registry, so this package imports no domain above it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from flask import Flask

EXTENSION_KEY = "clinic_app.due_mail"


@dataclass(frozen=True)
class DueMail:
    """``name`` is for the log (never an address). Unbatched sources run together in one
    transaction, and what they queue is counted as the pass's reminders; a ``batched`` one is
    called again, each call its own transaction, until it returns 0, and a failure of it is
    logged and does not hold back the rest of the pass."""

    name: str
    queue: Callable[[datetime], int]
    batched: bool = False


def register_due_mail(app: Flask, name: str, queue: Callable[[datetime], int], batched: bool = False) -> None:
    """Add (or, under the same name, replace) a source of due e-mail for this app's worker."""
    app.extensions.setdefault(EXTENSION_KEY, {})[name] = DueMail(name, queue, batched)


def due_mail(app: Flask) -> list[DueMail]:
    """The registered sources, in the order they were registered."""
    return list(app.extensions.get(EXTENSION_KEY, {}).values())
