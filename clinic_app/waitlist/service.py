"""Join and leave the waitlist, and offer a freed time to those waiting. Flush, never commit."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from clinic_app.accounts.rules import normalise_email
from clinic_app.clinics.models import Clinic
from clinic_app.errors import ValidationFailed
from clinic_app.extensions import db
from clinic_app.notifications.links import public_url
from clinic_app.notifications.service import queue_email
from clinic_app.scheduling.availability import free_slots
from clinic_app.scheduling.models import Booking, Practitioner, Service
from clinic_app.scheduling.notifications import describe_when
from clinic_app.waitlist.models import WaitlistEntry
from clinic_app.waitlist.rules import before_date_problem, expiry, is_waiting, last_waiting_day, time_suits


@dataclass(frozen=True)
class WaitlistRequest:
    clinic: Clinic
    service: Service
    email: str
    name: str = ""
    before: date | None = None


def join_waitlist(request: WaitlistRequest, now: datetime) -> WaitlistEntry:
    """Wait for an earlier time at this clinic for this service. Joining again is not an
    error: it renews the one entry (consent, "before" date, expiry) and confirms again."""
    zone = ZoneInfo(request.clinic.timezone)
    problem = before_date_problem(request.before, now.astimezone(zone).date())
    if problem:
        raise ValidationFailed(problem, "before")
    terms = {"name": request.name.strip()[:120], "before_date": request.before, "consented_at": now,
             "expires_at": expiry(now, request.before, zone, current_app.config["WAITLIST_DAYS"]), "left_at": None}
    entry = _entry_for(request) or _new_entry(request, terms)
    for name, value in terms.items():
        setattr(entry, name, value)
    db.session.flush()
    _queue_confirmation(entry, now)
    return entry


def entry_for_token(token: str) -> WaitlistEntry | None:
    return db.session.scalar(select(WaitlistEntry).where(WaitlistEntry.leave_token_hash == _hash(token[:100])))


def leave_waitlist(entry: WaitlistEntry, now: datetime) -> None:
    if entry.left_at is None:
        entry.left_at = now
    db.session.flush()


def waiting(entry: WaitlistEntry, now: datetime) -> bool:
    return is_waiting(entry.left_at, entry.expires_at, now)


def offer_freed_time(booking: Booking, now: datetime, start: datetime | None = None,
                     practitioner_id: int | None = None) -> list[WaitlistEntry]:
    """E-mail everyone waiting for the booking's clinic and service, whose window the freed
    time fits, a link that books it; the first to book gets it. The freed time is the
    booking's own (a cancellation) or ``start`` with ``practitioner_id`` (a move). Nothing is
    offered unless that time is still bookable online; nobody hears of one time twice."""
    start, practitioner_id = start or booking.start_at, practitioner_id or booking.practitioner_id
    if not _bookable(booking, start, practitioner_id, now):
        return []
    local_day = start.astimezone(ZoneInfo(booking.clinic.timezone)).date()
    offered = []
    for entry in _waiting_entries(booking.clinic_id, booking.service_id, now):
        if time_suits(entry.before_date, local_day) and entry.email != booking.patient.email:
            if _queue_offer(entry, booking, start, practitioner_id):
                entry.notified_at = now
                offered.append(entry)
    db.session.flush()
    return offered


def leave_url(entry: WaitlistEntry) -> str:
    return public_url("waitlist.leave", token=_leave_token(entry))


def _entry_for(request: WaitlistRequest) -> WaitlistEntry | None:
    return db.session.scalar(select(WaitlistEntry).where(
        WaitlistEntry.email == normalise_email(request.email),
        WaitlistEntry.clinic_id == request.clinic.id,
        WaitlistEntry.service_id == request.service.id,
    ))


def _new_entry(request: WaitlistRequest, terms: dict) -> WaitlistEntry:
    """A new entry; when a twin request inserted the same one a moment ago, that one."""
    salt = secrets.token_hex(16)
    entry = WaitlistEntry(email=normalise_email(request.email), clinic_id=request.clinic.id,
                          service_id=request.service.id, token_salt=salt,
                          leave_token_hash=_hash(_token_from(salt)), **terms)
    try:
        with db.session.begin_nested():
            db.session.add(entry)
    except IntegrityError:
        return _entry_for(request)
    return entry


def _waiting_entries(clinic_id: int, service_id: int, now: datetime) -> list[WaitlistEntry]:
    return list(db.session.scalars(
        select(WaitlistEntry)
        .where(WaitlistEntry.clinic_id == clinic_id, WaitlistEntry.service_id == service_id,
               WaitlistEntry.left_at.is_(None), WaitlistEntry.expires_at > now)
        .order_by(WaitlistEntry.consented_at, WaitlistEntry.id)
    ))


def _bookable(booking: Booking, start: datetime, practitioner_id: int, now: datetime) -> bool:
    """Whether a patient booking online could take this time now (not past, not too soon,
    not taken again, still in the practitioner's hours)."""
    local_day = start.astimezone(ZoneInfo(booking.clinic.timezone)).date()
    slots = free_slots(booking.clinic, booking.service, local_day, 1, now, practitioner_id)
    return any(slot.start == start for slot in slots)


def _queue_confirmation(entry: WaitlistEntry, now: datetime) -> None:
    # At most one confirmation a day: joining again and again cannot flood an inbox.
    queue_email(
        entry.email,
        f"You are on the waitlist at {entry.clinic.name}",
        "emails/waitlist_joined.txt",
        html_template="emails/waitlist_joined.html",
        idempotency_key=f"waitlist:{entry.id}:joined:{now.date().isoformat()}",
        entry=entry,
        clinic=entry.clinic,
        service=entry.service,
        last_day=last_waiting_day(entry.expires_at, ZoneInfo(entry.clinic.timezone)),
        leave_url=leave_url(entry),
    )


def _queue_offer(entry: WaitlistEntry, booking: Booking, start: datetime, practitioner_id: int):
    zone = ZoneInfo(booking.clinic.timezone)
    when = describe_when(booking, start)
    book_url = public_url("booking.details", clinic=booking.clinic.slug, service=booking.service.slug,
                          practitioner=str(practitioner_id), start=start.astimezone(zone).isoformat())
    return queue_email(
        entry.email,
        f"A time has come free at {booking.clinic.name}: {when}",
        "emails/waitlist_offer.txt",
        html_template="emails/waitlist_offer.html",
        idempotency_key=f"waitlist:{entry.id}:offer:{practitioner_id}:{start.timestamp():.0f}",
        entry=entry,
        clinic=booking.clinic,
        service=booking.service,
        practitioner=db.session.get(Practitioner, practitioner_id),
        when=when,
        book_url=book_url,
        leave_url=leave_url(entry),
    )


def _leave_token(entry: WaitlistEntry) -> str:
    return _token_from(entry.token_salt)


def _token_from(salt: str) -> str:
    key = current_app.config["SECRET_KEY"].encode()
    return hmac.new(key, f"waitlist-leave:{salt}".encode(), hashlib.sha256).hexdigest()


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()
