"""What the worker does with a message that did not go: fail it, or try it again later.

A message fails for good when it cannot be built (a header that cannot hold its value) or the
SMTP server refuses it permanently (a 5xx reply). Anything temporary (a 4xx reply, a server
that cannot be reached, refuses the connection, times out or hangs up) is tried again after a
wait that doubles each time, up to a ceiling, until the attempts run out. The reason kept is
the error's type or the SMTP reply code, never the server's text, which can quote the address.
"""

from __future__ import annotations

import re
import smtplib
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

# A reply that means the server, not this message: it is closing the connection (RFC 5321 4.2.3).
SERVER_CLOSING = 421
# The enhanced status code at the start of a reply's text (RFC 3463), e.g. "5.1.1"; it names the
# problem without quoting anything.
TOO_MANY_REQUESTS = 429
ENHANCED_STATUS = re.compile(rb"^\s*([245]\.\d{1,3}\.\d{1,3})\b")


@dataclass(frozen=True)
class Failure:
    """Why a message did not go. ``permanent``: do not try again. ``server_unreachable``: the
    server itself is away, so the messages behind this one would meet the same."""

    reason: str
    permanent: bool
    server_unreachable: bool = False


def unbuildable(error: Exception) -> Failure:
    """The message cannot be turned into an e-mail: trying again builds the same thing."""
    return Failure(f"cannot be built: {type(error).__name__}", permanent=True)


def classify_failure(error: Exception) -> Failure:
    """The failure a transport's exception stands for."""
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        return _by_reply(*_worst_reply(error.recipients.values()))
    if isinstance(error, (smtplib.SMTPConnectError, smtplib.SMTPHeloError)):
        return Failure(_reply_reason(error.smtp_code, error.smtp_error), permanent=False, server_unreachable=True)
    if isinstance(error, smtplib.SMTPResponseException):
        return _by_reply(error.smtp_code, error.smtp_error)
    if isinstance(error, (smtplib.SMTPNotSupportedError, UnicodeError)):
        # An address this server cannot carry (non-ASCII without SMTPUTF8): it never will.
        return Failure(type(error).__name__, permanent=True)
    if isinstance(error, smtplib.SMTPServerDisconnected) or (
            isinstance(error, OSError) and not isinstance(error, smtplib.SMTPException)):
        return Failure(type(error).__name__, permanent=False, server_unreachable=True)
    # Anything else (an SMTP exchange that went wrong another way): try again later.
    return Failure(type(error).__name__, permanent=False)


def _by_reply(code: int, text: bytes | str) -> Failure:
    reason = _reply_reason(code, text)
    if code == SERVER_CLOSING:
        return Failure(reason, permanent=False, server_unreachable=True)
    return Failure(reason, permanent=500 <= code < 600)


def _worst_reply(replies) -> tuple[int, bytes | str]:
    """Of the recipients' refusals (one per message here), the most lasting."""
    return max(replies, key=lambda reply: reply[0])


def _reply_reason(code: int, text: bytes | str) -> str:
    raw = text.encode(errors="replace") if isinstance(text, str) else (text or b"")
    enhanced = ENHANCED_STATUS.match(raw)
    return f"SMTP {code}" + (f" {enhanced.group(1).decode()}" if enhanced else "")


def retry_delay(attempts: int, first: timedelta, longest: timedelta) -> timedelta:
    """The wait after a message's ``attempts``-th failed try: ``first``, doubling with each
    further try, never longer than ``longest``."""
    doublings = min(max(attempts - 1, 0), 30)  # 2**30 firsts outlast any sensible ceiling
    return min(first * 2**doublings, longest)


def next_sending_moment(now: datetime, zone: ZoneInfo, from_hour: int, until_hour: int) -> datetime:
    """``now`` when it is inside the sending hours on the clinic's clock (from ``from_hour``:00
    up to, not including, ``until_hour``:00), else the start of the next sending hours there.
    Texts wait out the night: US practice (and the TCPA's 8 AM - 9 PM rule for telemarketing)
    is not to text people at night in their own time zone."""
    local = now.astimezone(zone)
    if from_hour <= local.hour < until_hour:
        return now
    day = local.date() if local.hour < from_hour else local.date() + timedelta(days=1)
    return datetime.combine(day, time(from_hour), tzinfo=zone).astimezone(UTC)


def classify_text_failure(status: int | None) -> Failure:
    """The failure an SMS provider's HTTP answer stands for: too many requests (429) and the
    provider's own errors (5xx) are temporary and tried again later; any other refusal (a 4xx:
    an invalid or unreachable number, a number that has opted out at the carrier) never
    succeeds. No answer at all (``None``: connection refused, timed out) means the provider is
    away, so the texts behind this one would meet the same."""
    if status is None:
        return Failure("SMS provider unreachable", permanent=False, server_unreachable=True)
    permanent = 400 <= status < 500 and status != TOO_MANY_REQUESTS
    return Failure(f"SMS provider {status}", permanent=permanent)


# The keywords US carriers require every sender to honour (CTIA Messaging Principles and Best
# Practices, 2023, section 5.1), and ours: C confirms the reminded visit, X cancels it. X, not
# "cancel": CANCEL is one of the carriers' opt-out words.
STOP_WORDS = frozenset({"STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT", "OPTOUT", "REVOKE"})
START_WORDS = frozenset({"START", "UNSTOP", "YES", "OPTIN"})
HELP_WORDS = frozenset({"HELP", "INFO"})
CONFIRM_WORDS = frozenset({"C", "CONFIRM"})
CANCEL_VISIT_WORDS = frozenset({"X"})


def reply_keyword(body: str) -> str:
    """What a reply asks for: "stop", "start", "help", "confirm", "cancel", or "" (anything
    else). Carriers match the whole message, any case, spaces and punctuation aside."""
    word = "".join(ch for ch in body.strip().upper() if ch.isalnum())
    for keyword, words in (("stop", STOP_WORDS), ("start", START_WORDS), ("help", HELP_WORDS),
                           ("confirm", CONFIRM_WORDS), ("cancel", CANCEL_VISIT_WORDS)):
        if word in words:
            return keyword
    return ""
