"""The patient's own page for one visit, reached by the secret link in their e-mails: see it,
add it to a calendar, cancel it or move it. Only a hash of the token is stored, and the token
is in the address: these pages are never cached and never passed on as a referrer."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from flask import abort, flash, make_response, redirect, render_template, request, url_for

from clinic_app import clock
from clinic_app.booking.forms import CancelForm, RescheduleForm
from clinic_app.booking.free_times import free_week, parse_day
from clinic_app.booking.journey import bookable_start
from clinic_app.booking.timetable import TimeChoice, describe_start
from clinic_app.booking.views import bp
from clinic_app.clinics.rules import directions_url
from clinic_app.errors import DomainError
from clinic_app.extensions import begin_serialised_transaction, db
from clinic_app.headers import keep_token_private
from clinic_app.scheduling.booking import (
    SlotUnavailable,
    booking_for_token,
    cancel_booking,
    may_change_online,
    reschedule_booking,
)
from clinic_app.scheduling.models import Booking
from clinic_app.scheduling.notifications import calendar_for, describe_when

bp.after_request(keep_token_private)


@bp.get("/manage/<token>")
def manage(token: str):
    return _manage_page(_booking_or_404(token), token, CancelForm())


@bp.get("/manage/<token>/calendar.ics")
def calendar(token: str):
    booking = _booking_or_404(token)
    response = make_response(calendar_for(booking))
    response.mimetype = "text/calendar"
    response.headers["Content-Disposition"] = f'attachment; filename="back-solution-{booking.reference}.ics"'
    return response


@bp.post("/manage/<token>/cancel")
def cancel(token: str):
    booking = _booking_or_404(token)
    form = CancelForm()
    if not form.validate():
        return _manage_page(booking, token, form), 422
    try:
        cancel_booking(booking, by="patient", reason=form.reason.data, now=clock.utcnow())
    except DomainError as error:
        db.session.rollback()
        return _manage_page(booking, token, form, refused=error.message), error.status
    db.session.commit()
    flash("Your visit is cancelled. We have e-mailed you to confirm.", "success")
    return redirect(url_for("booking.manage", token=token))


@bp.get("/manage/<token>/reschedule")
def reschedule(token: str):
    """Choose a new day and time (same clinic and service), then confirm the move."""
    booking, now = _booking_or_404(token), clock.utcnow()
    if not may_change_online(booking, now):
        return redirect(url_for("booking.manage", token=token))  # that page says why, and whom to call
    start = bookable_start(request.args.get("start", ""), ZoneInfo(booking.clinic.timezone), now)
    if start is not None:
        return _confirm_move_page(booking, token, start)
    week = free_week(booking.clinic, booking.service, None, now,
                     parse_day(request.args.get("week")), parse_day(request.args.get("day")))
    return render_template(
        "booking/reschedule.html", **_visit(booking), token=token, when=describe_when(booking), week=week,
        week_url=lambda **days: url_for("booking.reschedule", token=token,
                                        **{name: day.isoformat() for name, day in days.items()}),
        time_url=lambda choice: url_for("booking.reschedule", token=token, start=choice.iso),
    )


@bp.post("/manage/<token>/reschedule")
def move(token: str):
    booking = _booking_or_404(token)
    form = RescheduleForm()
    start = bookable_start(form.start.data or "", ZoneInfo(booking.clinic.timezone), clock.utcnow())
    if start is None:
        flash("Choose one of the times offered.", "error")
        return redirect(url_for("booking.reschedule", token=token))
    begin_serialised_transaction()
    booking = _booking_or_404(token)  # again, inside the serialised transaction
    try:
        reschedule_booking(booking, start, clock.utcnow())
    except DomainError as error:
        db.session.rollback()
        return _confirm_move_page(_booking_or_404(token), token, start, error), error.status
    db.session.commit()
    flash("Your visit has moved. We have e-mailed you the new time and an updated calendar file.", "success")
    return redirect(url_for("booking.manage", token=token))


def _booking_or_404(token: str) -> Booking:
    return booking_for_token(token[:100]) or abort(404)


def _visit(booking: Booking) -> dict:
    """The visit and what the page shows of it, loaded here rather than by the template."""
    return {"booking": booking, "clinic": booking.clinic, "service": booking.service,
            "practitioner": booking.practitioner}


def _manage_page(booking: Booking, token: str, form: CancelForm, refused: str | None = None):
    now = clock.utcnow()
    clinic = booking.clinic
    return render_template(
        "booking/manage.html", **_visit(booking), token=token, form=form, refused=refused,
        when=describe_when(booking),
        cancelled_when=describe_when(booking, booking.cancelled_at) if booking.cancelled_at else "",
        changeable=may_change_online(booking, now),
        upcoming=booking.start_at > now,
        directions=directions_url(clinic.latitude, clinic.longitude),
        manage_url=url_for("booking.manage", token=token, _external=True),
    )


def _confirm_move_page(booking: Booking, token: str, start, error: DomainError | None = None):
    zone = ZoneInfo(booking.clinic.timezone)
    next_slots = getattr(error, "next_slots", []) if isinstance(error, SlotUnavailable) else []
    return render_template(
        "booking/reschedule_confirm.html", **_visit(booking), token=token, error=error,
        when=describe_when(booking), new_when=describe_start(start),
        form=RescheduleForm(formdata=None, start=start.isoformat()),
        other_times=[TimeChoice(slot.start.astimezone(zone), slot.practitioner_id) for slot in next_slots],
        time_url=lambda choice: url_for("booking.reschedule", token=token, start=choice.iso),
    )
