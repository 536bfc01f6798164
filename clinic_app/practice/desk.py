"""Booking at the desk: staff book a visit for a patient of the clinic or a new one (a walk-in
too), move it, or cancel it with a reason. The same engine as online booking with
``online=False``: the patients' notice rules do not bind staff, every other guarantee does
(a time just taken is refused, with the next free times). Each change is audited."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user
from wtforms import SelectChoice

from clinic_app import clock
from clinic_app.accounts.policy import area_required, can_confirm_patient_details, sees_whole_clinic
from clinic_app.audit.service import record_event, record_listed
from clinic_app.booking.free_times import parse_day
from clinic_app.booking.journey import bookable_start, services_offered
from clinic_app.booking.timetable import describe_start
from clinic_app.clinics.models import Clinic
from clinic_app.errors import DomainError, ValidationFailed
from clinic_app.extensions import begin_serialised_transaction, db
from clinic_app.ids import parse_id
from clinic_app.patients.models import Patient
from clinic_app.patients.service import PatientDetails
from clinic_app.practice import bp
from clinic_app.practice.day_sheet import clinic_patient, day_shown, search_clinic_patients
from clinic_app.practice.pages import staff_actor
from clinic_app.practice.schedule import clinic_for_staff, visit_day_url, visit_for_staff
from clinic_app.practice.schedule_forms import (
    WALK_IN,
    CancelVisitForm,
    GivenDetailsForm,
    MoveVisitForm,
    StaffBookingForm,
)
from clinic_app.scheduling.availability import free_slots, practitioners_offering, staff_booking_policy
from clinic_app.scheduling.booking import (
    BookingRequest,
    SlotUnavailable,
    book_appointment,
    cancel_booking,
    reschedule_booking,
)
from clinic_app.scheduling.care import patient_care
from clinic_app.scheduling.models import Booking, Practitioner, Service
from clinic_app.scheduling.rules import Slot, first_available

NEW_PATIENT_FIELDS = ("first_name", "last_name", "email", "phone", "date_of_birth", "new_patient", "pain_area")


@dataclass(frozen=True)
class DeskChoice:
    """What the member of staff has chosen so far on the booking page."""

    clinic: Clinic
    services: list[Service]
    service: Service | None
    practitioners: list[Practitioner]  # whom this user may book for
    practitioner: Practitioner | None  # None: the first available of ``practitioners``
    day: date
    today: date
    whole_clinic: bool  # a manager, booking for anyone; else a practitioner, for themselves
    patient: Patient | None = None
    search: str = ""
    matches: list[Patient] = field(default_factory=list)

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.clinic.timezone)

    @property
    def practitioner_id(self) -> int | None:
        """The practitioner to book with; None for the first available (managers only)."""
        if self.practitioner is not None:
            return self.practitioner.id
        if self.whole_clinic:
            return None
        if not self.practitioners:
            raise ValidationFailed("You do not offer this service at this clinic.", "start")
        return self.practitioners[0].id

    def query(self, **changes) -> dict[str, Any]:  # for url_for: strings
        chosen = {"service": self.service.slug if self.service else "",
                  "practitioner": str(self.practitioner.id) if self.practitioner else "",
                  "day": self.day.isoformat(), "patient": str(self.patient.id) if self.patient else ""}
        return {name: value for name, value in {**chosen, **changes}.items() if value}


@bp.route("/clinics/<int:clinic_id>/visits/new", methods=["GET", "POST"])
@area_required("practice")
def new_visit(clinic_id: int):
    clinic, now = clinic_for_staff(clinic_id), clock.utcnow()
    submitted = request.method == "POST"
    choice = _desk_choice(clinic, request.form if submitted else request.args, now)
    form = StaffBookingForm(formdata=request.form if submitted else None, data=_prefill(choice))
    form.start.choices = _time_choices(choice, now)
    form.patient.data = str(choice.patient.id) if choice.patient else ""  # only a patient of this clinic
    if not submitted:
        return _new_visit_page(choice, form)
    if not form.validate():
        return _new_visit_page(choice, form), 422
    try:
        booking = _book(choice, form, now)
    except DomainError as error:
        db.session.rollback()
        _explain(form, error, choice)
        return _new_visit_page(_desk_choice(clinic, request.form, now), form), error.status
    return _back_to_the_day(booking, f"{booking.patient.full_name} is booked: "
                                     f"{describe_start(booking.start_at.astimezone(choice.zone))}, "
                                     f"with {booking.practitioner.display_name}.")


@bp.get("/clinics/<int:clinic_id>/visits/<int:booking_id>/change")
@area_required("practice")
def change_visit(clinic_id: int, booking_id: int):
    booking = visit_for_staff(clinic_for_staff(clinic_id), booking_id)
    return _change_page(booking, MoveVisitForm(), CancelVisitForm(), parse_day(request.args.get("day")))


@bp.post("/clinics/<int:clinic_id>/visits/<int:booking_id>/move")
@area_required("practice")
def move_visit(clinic_id: int, booking_id: int):
    clinic, now = clinic_for_staff(clinic_id), clock.utcnow()
    form = MoveVisitForm()
    start = bookable_start(form.start.data or "", ZoneInfo(clinic.timezone), now)
    if not form.validate() or start is None:
        form.start.errors = ["Choose one of the times offered."]
        return _change_page(visit_for_staff(clinic, booking_id), form, CancelVisitForm()), 422
    begin_serialised_transaction()
    booking = visit_for_staff(clinic_for_staff(clinic_id), booking_id)  # again, inside the transaction
    try:
        # A practitioner moves their own visits within their own diary; a manager may hand one over.
        reschedule_booking(booking, start, now, online=False, same_practitioner=not sees_whole_clinic(current_user))
        record_event(staff_actor(), booking.patient_id, "staff_move", booking, now)
    except DomainError as error:
        db.session.rollback()
        booking = visit_for_staff(clinic_for_staff(clinic_id), booking_id)
        _explain_move(form, error, ZoneInfo(clinic.timezone))
        return _change_page(booking, form, CancelVisitForm(), start.date()), error.status
    return _back_to_the_day(booking, f"{booking.patient.full_name}'s visit has moved to "
                                     f"{describe_start(booking.start_at.astimezone(ZoneInfo(clinic.timezone)))}.")


@bp.post("/clinics/<int:clinic_id>/visits/<int:booking_id>/cancel")
@area_required("practice")
def cancel_visit(clinic_id: int, booking_id: int):
    booking, now = visit_for_staff(clinic_for_staff(clinic_id), booking_id), clock.utcnow()
    form = CancelVisitForm()
    if not form.validate():
        return _change_page(booking, MoveVisitForm(), form), 422
    try:
        cancel_booking(booking, by="staff", reason=form.reason.data, now=now, online=False)
        record_event(staff_actor(), booking.patient_id, "staff_cancel", booking, now)
    except DomainError as error:
        db.session.rollback()
        form.populate_errors(error, default="reason")
        return _change_page(booking, MoveVisitForm(), form), error.status
    return _back_to_the_day(booking, f"{booking.patient.full_name}'s visit is cancelled. We have e-mailed them.")


def _back_to_the_day(booking: Booking, done: str):
    """Commit, then go back to the visit's day saying ``done``. The message and the address are
    worked out before the commit, from what the request holds: read after it, the expired visit
    would be loaded again, and a change committed just before an outage would answer 503."""
    day_url = visit_day_url(booking)
    db.session.commit()
    flash(done, "success")
    return redirect(day_url, 303)


def _desk_choice(clinic: Clinic, values, now: datetime) -> DeskChoice:
    """Read the service, practitioner, day and patient chosen, each checked against what this
    user may book; anything not allowed falls back to the default."""
    today = now.astimezone(ZoneInfo(clinic.timezone)).date()
    services = services_offered(clinic)
    service = next((s for s in services if s.slug == values.get("service")), services[0] if services else None)
    allowed = _bookable_practitioners(clinic, service)
    chosen = next((p for p in allowed if str(p.id) == values.get("practitioner")), None)
    day = max(day_shown(parse_day(values.get("day")), today), today)
    raw_patient = values.get("patient", "")
    patient_id = parse_id(raw_patient)
    patient = clinic_patient(clinic.id, patient_id) if patient_id else None
    search = (values.get("q") or "").strip()[:100]
    return DeskChoice(clinic, services, service, allowed, chosen, day, today, sees_whole_clinic(current_user),
                      patient, search, search_clinic_patients(clinic.id, search) if search else [])


def _bookable_practitioners(clinic: Clinic, service: Service | None) -> list[Practitioner]:
    """A manager books for anyone offering the service here; a practitioner, for themselves."""
    offering = practitioners_offering(clinic, service) if service else []
    if sees_whole_clinic(current_user):
        return offering
    return [p for p in offering if p.user_id == current_user.id]


def _free_times(choice: DeskChoice, now: datetime, first_day: date | None = None, days: int = 1) -> list[Slot]:
    if choice.service is None or not choice.practitioners:
        return []
    slots = free_slots(choice.clinic, choice.service, first_day or choice.day, days, now, choice.practitioner_id,
                       policy=staff_booking_policy())
    return first_available(slots) if choice.practitioner_id is None else slots


def _time_choices(choice: DeskChoice, now: datetime) -> list[SelectChoice]:
    slots = _free_times(choice, now)
    choices = [SelectChoice(slot.start.isoformat(), _time_label(slot, choice.zone)) for slot in slots]
    if choice.day == choice.today and slots:
        first = _time_label(slots[0], choice.zone)
        choices.insert(0, SelectChoice(WALK_IN, f"Walk-in: the next free time, {first}"))
    return choices


def _time_label(slot: Slot, zone: ZoneInfo) -> str:
    local = slot.start.astimezone(zone)
    return local.strftime("%-I:%M %p ") + (local.tzname() or "")


def _prefill(choice: DeskChoice) -> dict:
    return {**choice.query(), "new_patient": "returning" if choice.patient else "new"}


def _book(choice: DeskChoice, form: StaffBookingForm, now: datetime) -> Booking:
    if choice.service is None or not choice.practitioners:
        raise ValidationFailed("Choose a service that you, or someone here, offers at this clinic.", "start")
    begin_serialised_transaction()
    walk_in = form.start.data == WALK_IN
    start = _walk_in_start(choice, now) if walk_in else bookable_start(form.start.data or "", choice.zone, now)
    if start is None:
        raise ValidationFailed("Choose one of the times offered.", "start")
    booking, _ = book_appointment(BookingRequest(
        clinic_id=choice.clinic.id, service_slug=choice.service.slug if choice.service else "", start=start,
        patient=_patient_details(choice.patient, form), practitioner_id=choice.practitioner_id,
        new_patient=form.new_patient.data == "new", pain_area=form.pain_area.data or "",
        source="walk_in" if walk_in else "staff", created_by_id=current_user.id, online=False,
    ), now)
    record_event(staff_actor(), booking.patient_id, "staff_book", booking, now)
    return booking


def _walk_in_start(choice: DeskChoice, now: datetime) -> datetime:
    slots = _free_times(choice, now, choice.today)
    if not slots:
        raise ValidationFailed("Nobody is free for a walk-in for the rest of today.", "start")
    return slots[0].start


def _patient_details(patient: Patient | None, form: StaffBookingForm) -> PatientDetails:
    if patient is not None:
        return PatientDetails(patient.first_name, patient.last_name, patient.email, patient.phone,
                              patient.date_of_birth)
    return PatientDetails(form.first_name.data, form.last_name.data, form.email.data, form.phone.data,
                          form.date_of_birth.data)


def _explain(form: StaffBookingForm, error: DomainError, choice: DeskChoice) -> None:
    """The engine's refusal next to the field it names; a time just taken comes with the next
    free times to choose from."""
    if isinstance(error, SlotUnavailable):
        form.start.choices = [SelectChoice(slot.start.isoformat(), describe_start(slot.start.astimezone(choice.zone)))
                              for slot in error.next_slots]
        form.start.errors = [error.message if error.next_slots else
                             "Sorry, that time was just taken, and no other time is free soon. Choose another day."]
    else:  # the new patient's fields are on the page only when no patient was chosen
        form.populate_errors(error, only=("start", *NEW_PATIENT_FIELDS) if choice.patient is None else ("start",))


def _explain_move(form: MoveVisitForm, error: DomainError, zone: ZoneInfo) -> None:
    next_slots = error.next_slots if isinstance(error, SlotUnavailable) else []
    form.start.choices = [SelectChoice(s.start.isoformat(), describe_start(s.start.astimezone(zone)))
                          for s in next_slots]
    form.populate_errors(error, default="start")


def _new_visit_page(choice: DeskChoice, form: StaffBookingForm):
    """The booking page; the patients a search found are audited as seen (record_listed)."""
    if choice.matches:
        record_listed(staff_actor(), "search_patients", [patient.id for patient in choice.matches], clock.utcnow())
        db.session.commit()
    return render_template(
        "practice/schedule_new.html", choice=choice, form=form, clinic=choice.clinic,
        whole_clinic=sees_whole_clinic(current_user),
        page_url=lambda **changes: url_for("practice.new_visit", clinic_id=choice.clinic.id,
                                           **choice.query(**changes)),
    )


def _change_page(booking: Booking, move: MoveVisitForm, cancel: CancelVisitForm, day: date | None = None):
    """Move the visit (free times on one day) or cancel it."""
    now, zone = clock.utcnow(), ZoneInfo(booking.clinic.timezone)
    today = now.astimezone(zone).date()
    day = max(day_shown(day, today) if day else booking.start_at.astimezone(zone).date(), today)
    if not move.start.choices:
        whole_clinic = sees_whole_clinic(current_user)
        choice = DeskChoice(booking.clinic, [], booking.service, [booking.practitioner],
                            None if whole_clinic else booking.practitioner, day, today, whole_clinic)
        move.start.choices = [SelectChoice(s.start.isoformat(), _time_label(s, zone)) for s in _free_times(choice, now)]
    return render_template(
        "practice/schedule_visit.html", booking=booking, clinic=booking.clinic, move=move, cancel=cancel, day=day,
        when=describe_start(booking.start_at.astimezone(zone)), today=today,
        back_url=visit_day_url(booking), details_form=GivenDetailsForm(),
        may_confirm=can_confirm_patient_details(current_user, booking, patient_care(booking.patient_id)),
    )
