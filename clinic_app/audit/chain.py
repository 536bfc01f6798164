"""The hash chain over the audit trail. Pure: no database here.

Each event's hash is sha256 over its predecessor's hash and its own content in a fixed,
unambiguous form; the first event follows GENESIS. Changing any field of any event, removing one,
or inserting one changes every hash after it. A removal at the very end leaves no trace in the
chain itself, which is why ``flask audit verify`` prints the head as a checkpoint (hash and count)
to be kept outside the database, and checks a later trail against one kept earlier.
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


class CheckpointFormatError(ValueError):
    """Not a checkpoint as ``flask audit verify`` prints it."""


@dataclass(frozen=True)
class Checkpoint:
    """The head of the trail at some moment: the hash of its ``count``-th event. Written
    ``HASH:COUNT``; the empty trail is ``GENESIS:0``."""

    hash: str
    count: int

    def __str__(self) -> str:
        return f"{self.hash}:{self.count}"

    @classmethod
    def parse(cls, text: str) -> Checkpoint:
        digest, _, count = text.strip().partition(":")
        digest = digest.lower()
        if len(digest) != 64 or any(c not in "0123456789abcdef" for c in digest) or not count.isdigit():
            raise CheckpointFormatError(f"{text.strip()[:80]!r} is not HASH:COUNT (64 hex digits, a colon, a count).")
        return cls(digest, int(count))


@dataclass(frozen=True)
class ChainReport:
    checked: int
    head: str
    broken_at: int | None  # the id of the first event that does not fit, or None
    reason: str = ""
    # Against a checkpoint recorded earlier: what is wrong with the trail now, or "".
    checkpoint_problem: str = ""

    @property
    def intact(self) -> bool:
        return self.broken_at is None

    @property
    def checkpoint(self) -> Checkpoint:
        """The head as far as the chain checks out."""
        return Checkpoint(self.head, self.checked)


def verify_chain(events: Iterable[tuple[int, str, str, EventContent]],
                 expected: Checkpoint | None = None) -> ChainReport:
    """Check (id, prev_hash, hash, content) rows in chain order (ascending id). With
    ``expected``, the trail must still hold at least that many events, the one at that count
    with that hash: events removed from the end, or a trail rebuilt since, fail here."""
    expected_prev, checked, at_checkpoint = GENESIS, 0, GENESIS
    for event_id, prev_hash, stored_hash, content in events:
        if prev_hash != expected_prev:
            return ChainReport(checked, expected_prev, event_id, "an event before it is missing or was changed")
        if event_hash(prev_hash, content) != stored_hash:
            return ChainReport(checked, expected_prev, event_id, "its content was changed after it was written")
        expected_prev, checked = stored_hash, checked + 1
        if expected is not None and checked == expected.count:
            at_checkpoint = stored_hash
    return ChainReport(checked, expected_prev, None, checkpoint_problem=_checkpoint_problem(expected, checked,
                                                                                          at_checkpoint))


def _checkpoint_problem(expected: Checkpoint | None, checked: int, at_checkpoint: str) -> str:
    if expected is None:
        return ""
    if checked < expected.count:
        return (f"the trail holds {checked} events, fewer than the {expected.count} recorded earlier: "
                f"{expected.count - checked} were removed from its end")
    if at_checkpoint != expected.hash:
        return (f"event number {expected.count} is not the one recorded earlier (head {expected.hash}): "
                "the trail was rewritten from that point or before")
    return ""
