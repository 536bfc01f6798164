"""Cancelling and moving a visit online, shared by the visit's secret-link pages
(/book/manage/<token>) and the signed-in patient's own (/my/visits/<id>): the same services,
rules and templates; only the addresses (``VisitPages``) differ. The view loads and authorises
the visit; these helpers change it, commit and answer."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from flask import current_app, flash, redirect, render_template, request

from clinic_app import clock
from clinic_app.booking.forms import CancelForm, RescheduleForm
from clinic_app.booking.free_times import free_week, parse_day
from clinic_app.booking.journey import bookable_start
from clinic_app.booking.timetable import TimeChoice, describe_start
from clinic_app.clinics.rules import directions_url
from clinic_app.errors import DomainError
from clinic_app.extensions import begin_serialised_transaction, db
from clinic_app.scheduling.booking import SlotUnavailable, cancel_booking, may_change_online, reschedule_booking
from clinic_app.scheduling.models import Booking, BookingStatus
from clinic_app.scheduling.notifications import describe_when


@dataclass(frozen=True)
class VisitPages:
    """Where one visit's pages are: ``home`` (where a change ends, and "keep this time" leads),
    the cancel and move form targets, and ``picker(**query)``, the page to choose a new time."""

    home: str
    cancel: str
    move: str
    picker: Callable[..., str]


def visit_context(booking: Booking, now: datetime) -> dict:
    """The visit and what its pages show of it, loaded here rather than by the template."""
    clinic = booking.clinic
    return {
        "booking": booking, "clinic": clinic, "service": booking.service, "practitioner": booking.practitioner,
        "when": describe_when(booking),
        "cancelled_when": describe_when(booking, booking.cancelled_at) if booking.cancelled_at else "",
        "changeable": may_change_online(booking, now),
        "upcoming": booking.start_at > now,
        "directions": directions_url(clinic.latitude, clinic.longitude),
    }


def why_not_changeable(booking: Booking, now: datetime) -> str:
    """Why a visit cannot be moved or cancelled online: it is no longer booked, it has begun,
    or it starts inside the clinic's notice window (then call the clinic)."""
    if booking.status != BookingStatus.BOOKED:
        return "This visit can no longer be changed."
    if booking.start_at <= now:
        return "This visit has already taken place, so it can't be changed."
    hours = current_app.config["CHANGE_NOTICE_HOURS"]
    return (f"Your visit is less than {hours} hours away, so it can't be changed online. "
            f"Please call {booking.clinic.phone or 'the clinic'}.")


def cancel_visit(booking: Booking, pages: VisitPages, page_with: Callable[..., object]):
    """Cancel with the reason given; a refusal (too late, already cancelled) comes back on the
    page (``page_with(form, refused=message)``) with nothing changed."""
    form = CancelForm()
    if not form.validate():
        return page_with(form), 422
    try:
        cancel_booking(booking, by="patient", reason=form.reason.data, now=clock.utcnow())
    except DomainError as error:
        db.session.rollback()
        return page_with(form, refused=error.message), error.status
    db.session.commit()
    flash("Your visit is cancelled. We have e-mailed you to confirm.", "success")
    return redirect(pages.home)


def choose_time_page(booking: Booking, pages: VisitPages):
    """A week of free times (same clinic and service), or the confirmation of the time chosen
    in ``?start=``. None when the visit cannot be changed online: the caller says why."""
    now = clock.utcnow()
    if not may_change_online(booking, now):
        return None
    start = bookable_start(request.args.get("start", ""), ZoneInfo(booking.clinic.timezone), now)
    if start is not None:
        return confirm_move_page(booking, pages, start)
    week = free_week(booking.clinic, booking.service, None, now,
                     parse_day(request.args.get("week")), parse_day(request.args.get("day")))
    return render_template(
        "booking/reschedule.html", **visit_context(booking, now), pages=pages, week=week,
        week_url=lambda **days: pages.picker(**{name: day.isoformat() for name, day in days.items()}),
        time_url=lambda choice: pages.picker(start=choice.iso),
    )


def move_visit(load: Callable[[], Booking], pages: VisitPages):
    """Move the visit ``load()`` returns to the posted time. It is loaded again inside the
    serialised transaction; a time just taken comes back with the next free ones, nothing moved."""
    booking = load()
    form = RescheduleForm()
    start = bookable_start(form.start.data or "", ZoneInfo(booking.clinic.timezone), clock.utcnow())
    if start is None:
        flash("Choose one of the times offered.", "error")
        return redirect(pages.picker())
    begin_serialised_transaction()
    booking = load()
    try:
        reschedule_booking(booking, start, clock.utcnow())
    except DomainError as error:
        db.session.rollback()
        return confirm_move_page(load(), pages, start, error), error.status
    db.session.commit()
    flash("Your visit has moved. We have e-mailed you the new time and an updated calendar file.", "success")
    return redirect(pages.home)


def confirm_move_page(booking: Booking, pages: VisitPages, start: datetime, error: DomainError | None = None):
    zone = ZoneInfo(booking.clinic.timezone)
    next_slots = getattr(error, "next_slots", []) if isinstance(error, SlotUnavailable) else []
    return render_template(
        "booking/reschedule_confirm.html", **visit_context(booking, clock.utcnow()), pages=pages, error=error,
        new_when=describe_start(start),
        form=RescheduleForm(formdata=None, start=start.isoformat()),
        other_times=[TimeChoice(slot.start.astimezone(zone), slot.practitioner_id) for slot in next_slots],
        time_url=lambda choice: pages.picker(start=choice.iso),
    )
