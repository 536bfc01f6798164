"""Join, confirm and leave the waitlist, and offer a freed time to those waiting. Flush, never commit.

Double opt-in: joining names an address, but only its owner, by following the link e-mailed to
it, confirms the entry; offers go to confirmed entries only. Booking the service at the clinic
ends the entry."""

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

from clinic_app.accounts.models import User
from clinic_app.accounts.rules import normalise_email
from clinic_app.accounts.signed_links import LinkProblem, read_token, sign_token
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
    account: User | None = None  # who is signed in, if anyone


CONFIRM_SALT = "waitlist-confirm"


def join_waitlist(request: WaitlistRequest, now: datetime) -> WaitlistEntry:
    """Wait for an earlier time at this clinic for this service, once the address's owner
    confirms. Joining again is not an error: it renews the one entry (consent, "before" date,
    expiry) and e-mails again (the confirmation link while unconfirmed). An entry that had
    left or expired is joined afresh and must be confirmed afresh."""
    zone = ZoneInfo(request.clinic.timezone)
    problem = before_date_problem(request.before, now.astimezone(zone).date())
    if problem:
        raise ValidationFailed(problem, "before")
    terms = {"name": request.name.strip()[:120], "before_date": request.before, "consented_at": now,
             "expires_at": expiry(now, request.before, zone, current_app.config["WAITLIST_DAYS"]), "left_at": None}
    entry = _entry_for(request) or _new_entry(request, terms)
    if not waiting(entry, now):
        entry.confirmed_at = None
    for name, value in terms.items():
        setattr(entry, name, value)
    if entry.confirmed_at is None and _account_owns_address(request):
        entry.confirmed_at = now
    db.session.flush()
    _queue_confirmation(entry, now)
    return entry


def entry_for_token(token: str) -> WaitlistEntry | None:
    return db.session.scalar(select(WaitlistEntry).where(WaitlistEntry.leave_token_hash == _hash(token[:100])))


def entry_for_confirm_token(token: str) -> WaitlistEntry | LinkProblem:
    """The entry a confirmation link names, or why the link cannot be used. It works as long
    as a link confirming an account's address does (the same purpose: proving the inbox)."""
    max_age = current_app.config["EMAIL_VERIFICATION_MAX_AGE_HOURS"] * 3600
    claims = read_token(CONFIRM_SALT, token[:500], max_age)
    if isinstance(claims, LinkProblem):
        return claims
    entry_id = claims.get("w")
    entry = db.session.get(WaitlistEntry, entry_id) if isinstance(entry_id, int) else None
    if entry is None or entry.email != claims.get("e"):
        return LinkProblem.INVALID
    return entry


def confirm_entry(entry: WaitlistEntry, now: datetime) -> None:
    """Confirm a waiting entry (once: the first time counts). A late click on an entry that
    has left or expired does not put it back: only joining again does."""
    if entry.confirmed_at is None and waiting(entry, now):
        entry.confirmed_at = now
    db.session.flush()


def end_waiting_on_booking(booking: Booking, now: datetime) -> None:
    """Whoever books a service at a clinic has a time: their entry for it ends, so no more
    offers come. (An entry made after the booking stays: it asks for a still earlier time.)
    Receives scheduling's booking_made."""
    entry = db.session.scalar(select(WaitlistEntry).where(
        WaitlistEntry.email == normalise_email(booking.patient.email), WaitlistEntry.clinic_id == booking.clinic_id,
        WaitlistEntry.service_id == booking.service_id, WaitlistEntry.left_at.is_(None),
    ))
    if entry is not None:
        leave_waitlist(entry, now)


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


def offer_time_cancelled(booking: Booking, now: datetime) -> None:
    """Receives scheduling's booking_cancelled: the visit's own time is free."""
    offer_freed_time(booking, now)


def offer_time_moved_from(booking: Booking, now: datetime, previous_start: datetime,
                          previous_practitioner_id: int) -> None:
    """Receives scheduling's booking_moved: the time the visit left is free."""
    offer_freed_time(booking, now, start=previous_start, practitioner_id=previous_practitioner_id)


def leave_url(entry: WaitlistEntry) -> str:
    return public_url("waitlist.leave", token=_leave_token(entry))


def confirm_url(entry: WaitlistEntry) -> str:
    return public_url("waitlist.confirm", token=sign_token(CONFIRM_SALT, {"w": entry.id, "e": entry.email}))


def _account_owns_address(request: WaitlistRequest) -> bool:
    """Confirmed at once when the person joining is signed in to an account whose address is
    this one and already verified: the verification link proved they read its inbox, and the
    session proves they are that account holder, so a second link would prove nothing new."""
    account = request.account
    return (account is not None and account.email_verified
            and account.email == normalise_email(request.email))


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
        raced = _entry_for(request)
        if raced is None:
            raise  # not the simultaneous join this handles
        return raced
    return entry


def _waiting_entries(clinic_id: int, service_id: int, now: datetime) -> list[WaitlistEntry]:
    return list(db.session.scalars(
        select(WaitlistEntry)
        .where(WaitlistEntry.clinic_id == clinic_id, WaitlistEntry.service_id == service_id,
               WaitlistEntry.confirmed_at.is_not(None), WaitlistEntry.left_at.is_(None),
               WaitlistEntry.expires_at > now)
        .order_by(WaitlistEntry.consented_at, WaitlistEntry.id)
    ))


def _bookable(booking: Booking, start: datetime, practitioner_id: int, now: datetime) -> bool:
    """Whether a patient booking online could take this time now (not past, not too soon,
    not taken again, still in the practitioner's hours)."""
    local_day = start.astimezone(ZoneInfo(booking.clinic.timezone)).date()
    slots = free_slots(booking.clinic, booking.service, local_day, 1, now, practitioner_id)
    return any(slot.start == start for slot in slots)


def _queue_confirmation(entry: WaitlistEntry, now: datetime) -> None:
    """While unconfirmed, the e-mail asks the address's owner to confirm; once confirmed, it
    says they are on the list."""
    unconfirmed = entry.confirmed_at is None
    subject = ("Confirm the waitlist" if unconfirmed else "You are on the waitlist") + f" at {entry.clinic.name}"
    # At most one a day: joining again and again cannot flood an inbox.
    queue_email(
        entry.email,
        subject,
        "emails/waitlist_joined.txt",
        html_template="emails/waitlist_joined.html",
        idempotency_key=f"waitlist:{entry.id}:joined:{now.date().isoformat()}",
        entry=entry,
        clinic=entry.clinic,
        service=entry.service,
        last_day=last_waiting_day(entry.expires_at, ZoneInfo(entry.clinic.timezone)),
        leave_url=leave_url(entry),
        confirm_url=confirm_url(entry) if unconfirmed else None,
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
