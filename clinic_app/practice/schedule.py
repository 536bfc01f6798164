"""The practice schedule: a day or a week of visits on the clinic's clock, and the desk's
buttons (check in, seen, no-show, undo). A practitioner sees their own visits, a clinic
manager everyone's. Staff booking, moving and cancelling are in desk.py."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user

from clinic_app import clock
from clinic_app.accounts.policy import area_required, can_handle_visit, require_clinic_access, sees_whole_clinic
from clinic_app.booking.free_times import parse_day
from clinic_app.clinics.models import Clinic
from clinic_app.errors import DomainError
from clinic_app.extensions import begin_serialised_transaction, db
from clinic_app.practice import bp
from clinic_app.practice.day_sheet import (
    build_columns,
    day_shown,
    find_visit,
    schedule_practitioners,
    week_start,
)
from clinic_app.practice.pages import staff_actor
from clinic_app.practice.schedule_forms import STATUS_ACTIONS, GivenDetailsForm, VisitStatusForm
from clinic_app.scheduling.models import Booking, BookingStatus
from clinic_app.scheduling.visits import mark_visit, settle_given_details
from clinic_app.screening.service import open_emergencies

DONE_MESSAGES = {
    BookingStatus.ARRIVED: "{name} is checked in.",
    BookingStatus.COMPLETED: "{name}'s visit is marked as seen.",
    BookingStatus.NO_SHOW: "{name} is marked as a no-show.",
    BookingStatus.BOOKED: "{name}'s visit is back to booked.",
}
# The chart page another part of the practice area provides, when it exists.
CHART_RULES = ("/practice/patients/<int:patient_id>", "/practice/patients/<patient_id>")


@bp.get("/clinics/<int:clinic_id>/schedule")
@area_required("practice")
def schedule(clinic_id: int):
    clinic = clinic_for_staff(clinic_id)
    today = clock.utcnow().astimezone(ZoneInfo(clinic.timezone)).date()
    day = day_shown(parse_day(request.args.get("date")), today)
    week = request.args.get("view") == "week"
    first_day, days, step = (week_start(day), 7, 7) if week else (day, 1, 1)
    columns = build_columns(clinic, schedule_practitioners(clinic, current_user), first_day, days)
    return render_template(
        "practice/schedule.html", clinic=clinic, columns=columns, day=day, first_day=first_day, week=week,
        today=today, whole_clinic=sees_whole_clinic(current_user), status_actions=STATUS_ACTIONS,
        previous=_schedule_url(clinic, first_day - timedelta(days=step), week),
        following=_schedule_url(clinic, first_day + timedelta(days=step), week),
        day_url=lambda d: _schedule_url(clinic, d, False), week_url=_schedule_url(clinic, day, True),
        chart_url=chart_links(), emergencies=open_emergencies(
            row.booking.patient_id for column in columns for _, rows in column.days for row in rows),
    )


@bp.post("/clinics/<int:clinic_id>/visits/<int:booking_id>/status")
@area_required("practice")
def visit_status(clinic_id: int, booking_id: int):
    clinic = clinic_for_staff(clinic_id)
    booking = visit_for_staff(clinic, booking_id)
    form = VisitStatusForm()
    if not form.validate():
        abort(400)
    status = BookingStatus(form.status.data)
    try:
        mark_visit(staff_actor(), booking, status, clock.utcnow())
    except DomainError as error:
        db.session.rollback()
        flash(error.message, "error")
    else:
        db.session.commit()
        flash(DONE_MESSAGES[status].format(name=booking.patient.full_name), "success")
    return redirect(visit_day_url(booking), 303)


@bp.post("/clinics/<int:clinic_id>/visits/<int:booking_id>/details")
@area_required("practice")
def given_details(clinic_id: int, booking_id: int):
    """Accept the names or phone given at booking into the patient's record, or keep the record."""
    form = GivenDetailsForm()
    if not form.validate() or not (form.accept.data or form.keep.data):
        abort(400)
    begin_serialised_transaction()  # two clicks at the desk: the second finds nothing waiting
    booking = visit_for_staff(clinic_for_staff(clinic_id), booking_id)
    try:
        settle_given_details(staff_actor(), booking, bool(form.accept.data), clock.utcnow())
    except DomainError as error:
        db.session.rollback()
        flash(error.message, "error")
    else:
        db.session.commit()
        flash(f"{booking.patient.full_name}'s record is updated." if form.accept.data
              else "The record stays as it was; the details given at booking are set aside.", "success")
    return redirect(url_for("practice.change_visit", clinic_id=clinic_id, booking_id=booking_id), 303)


def clinic_for_staff(clinic_id: int) -> Clinic:
    """The clinic, when the signed-in member of staff works there: 403 otherwise."""
    require_clinic_access(current_user, clinic_id)
    return db.session.get(Clinic, clinic_id) or abort(404)


def visit_for_staff(clinic: Clinic, booking_id: int) -> Booking:
    """A visit at this clinic on the signed-in user's schedule; 404 otherwise, so nobody learns
    about visits that are not theirs to handle."""
    booking = find_visit(clinic.id, booking_id)
    if booking is None or not can_handle_visit(current_user, clinic.id, booking.practitioner.user_id):
        abort(404)
    return booking


def visit_day_url(booking: Booking) -> str:
    local_day = booking.start_at.astimezone(ZoneInfo(booking.clinic.timezone)).date()
    return _schedule_url(booking.clinic, local_day, False)


def chart_links() -> Callable[[int], str] | None:
    """Links to patients' charts, when that page exists in this build."""
    endpoint = next((rule.endpoint for rule in current_app.url_map.iter_rules()
                     if rule.rule in CHART_RULES and "GET" in (rule.methods or ())), None)
    if endpoint is None or endpoint not in current_app.view_functions:
        return None
    return lambda patient_id: url_for(endpoint, patient_id=patient_id)


def _schedule_url(clinic: Clinic, day: date, week: bool) -> str:
    extra: dict[str, Any] = {"view": "week"} if week else {}
    return url_for("practice.schedule", clinic_id=clinic.id, date=day.isoformat(), **extra)
