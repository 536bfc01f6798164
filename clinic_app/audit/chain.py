"""The hash chain over the audit trail. Pure: no database here.

Each event's hash is sha256 over its predecessor's hash and its own content in a fixed,
unambiguous form; the first event follows GENESIS. Changing any field of any event, removing one,
or inserting one changes every hash after it. A removal at the very end leaves no trace in the
chain itself, which is why ``flask audit verify`` prints the head hash to be kept elsewhere.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime

GENESIS = "0" * 64


@dataclass(frozen=True)
class EventContent:
    at: datetime
    actor_id: int | None
    actor_role: str
    patient_id: int
    action: str
    object_type: str
    object_id: int | None
    ip_address: str


def event_hash(prev_hash: str, content: EventContent) -> str:
    fields = [
        prev_hash,
        content.at.astimezone(UTC).isoformat(timespec="microseconds"),
        content.actor_id,
        content.actor_role,
        content.patient_id,
        content.action,
        content.object_type,
        content.object_id,
        content.ip_address,
    ]
    canonical = json.dumps(fields, separators=(",", ":"), ensure_ascii=True)
    return hashlib.sha256(canonical.encode()).hexdigest()


@dataclass(frozen=True)
class ChainReport:
    checked: int
    head: str
    broken_at: int | None  # the id of the first event that does not fit, or None
    reason: str = ""

    @property
    def intact(self) -> bool:
        return self.broken_at is None


def verify_chain(events: Iterable[tuple[int, str, str, EventContent]]) -> ChainReport:
    """Check (id, prev_hash, hash, content) rows in chain order (ascending id)."""
    expected_prev, checked = GENESIS, 0
    for event_id, prev_hash, stored_hash, content in events:
        if prev_hash != expected_prev:
            return ChainReport(checked, expected_prev, event_id, "an event before it is missing or was changed")
        if event_hash(prev_hash, content) != stored_hash:
            return ChainReport(checked, expected_prev, event_id, "its content was changed after it was written")
        expected_prev, checked = stored_hash, checked + 1
    return ChainReport(checked, expected_prev, None)
