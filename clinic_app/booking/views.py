"""Booking under /book, one step a page: clinic, service, practitioner, time, then the
patient's details. The choices travel in the query string, so links and the back button work;
only the last step posts. The visit's own page (/book/manage/<token>) is in manage.py."""

from __future__ import annotations

from dataclasses import replace

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user
from wtforms import SelectChoice

from clinic_app import clock
from clinic_app.accounts.models import Role
from clinic_app.accounts.verification import account_id_for_patient  # a confirmed e-mail and date of birth
from clinic_app.booking import bp
from clinic_app.booking.forms import BookingDetailsForm
from clinic_app.booking.free_times import free_week, parse_day
from clinic_app.booking.journey import Journey, StepMissing, read_journey, services_offered
from clinic_app.booking.returning import details_on_record
from clinic_app.booking.timetable import TimeChoice, describe_start
from clinic_app.clinics.models import ClinicStatus
from clinic_app.clinics.service import list_clinics
from clinic_app.errors import DomainError
from clinic_app.extensions import begin_serialised_transaction, db, limiter
from clinic_app.patients.service import PatientDetails
from clinic_app.scheduling.availability import practitioners_offering
from clinic_app.scheduling.booking import BookingRequest, SlotUnavailable, book_appointment

# Errors the booking service names by a field of the details form; others are about the visit.
PATIENT_FIELDS = {"first_name", "last_name", "email", "phone", "date_of_birth", "new_patient", "pain_area"}


@bp.errorhandler(StepMissing)
def back_to_step(missing: StepMissing):
    flash(missing.message, "error")
    return redirect(url_for(missing.endpoint, **missing.query))


@bp.get("/")
def index():
    clinics = list_clinics(statuses=(ClinicStatus.OPEN,))
    chosen = request.args.get("clinic", "")
    # The clinic chosen on its page or in the search comes first.
    clinics.sort(key=lambda clinic: clinic.slug != chosen)
    return render_template("booking/index.html", clinics=clinics, chosen=chosen)


@bp.get("/service")
def services():
    journey = read_journey(request.args, clock.utcnow(), upto="clinic")
    return render_template("booking/services.html", journey=journey, services=services_offered(journey.clinic))


@bp.get("/practitioner")
def practitioners():
    journey = read_journey(request.args, clock.utcnow(), upto="service")
    return render_template(
        "booking/practitioners.html", journey=journey,
        practitioners=practitioners_offering(journey.clinic, journey.chosen_service),
    )


@bp.get("/time")
def times():
    now = clock.utcnow()
    journey = read_journey(request.args, now, upto="practitioner")
    week = free_week(journey.clinic, journey.chosen_service, journey.practitioner_id, now,
                     parse_day(request.args.get("week")), parse_day(request.args.get("day")))
    return render_template(
        "booking/times.html", journey=journey, week=week,
        week_url=lambda **days: url_for("booking.times", **journey.query(**_iso(days))),
        time_url=lambda choice: url_for("booking.details", **journey.query(start=choice.iso)),
        waitlist_url=waitlist_url(journey),
    )


@bp.route("/details", methods=["GET", "POST"])
@limiter.limit("30 per hour", methods=["POST"])
def details():
    now = clock.utcnow()
    submitted = request.method == "POST"
    journey = read_journey(_submitted_choices() if submitted else request.args, now, upto="start")
    form = BookingDetailsForm(today=now.astimezone(journey.zone).date(),
                              data=None if submitted else _prefill(journey))
    form.start.data, form.other_start.data = journey.chosen_start.isoformat(), None
    if not submitted:
        return _details_page(journey, form)
    if not form.validate():
        return _details_page(journey, form), 422
    try:
        _, token = _book(journey, form, now)
    except DomainError as error:
        db.session.rollback()
        _explain(form, error, journey)
        return _details_page(journey, form), error.status
    db.session.commit()
    flash("Your visit is booked. We have e-mailed you the details and a calendar file.", "success")
    return redirect(url_for("booking.manage", token=token))


def waitlist_url(journey: Journey) -> str | None:
    """The waitlist for this clinic and service, when that page exists."""
    if "waitlist.join" not in current_app.view_functions:
        return None
    return url_for("waitlist.join", clinic=journey.clinic.slug, service=journey.chosen_service.slug)


def _details_page(journey: Journey, form: BookingDetailsForm):
    day = journey.chosen_start.date().isoformat()
    response = current_app.make_response(render_template(
        "booking/details.html", journey=journey, form=form, when=describe_start(journey.chosen_start),
        change_time_url=url_for("booking.times", **replace(journey, start=None).query(week=day, day=day)),
        waitlist_url=waitlist_url(journey),
    ))
    response.headers["Cache-Control"] = "no-store"  # it may hold what the patient typed
    return response


def _submitted_choices() -> dict[str, str]:
    """The hidden choices; a time picked instead of one just taken replaces the first."""
    choices = {name: request.form.get(name, "") for name in ("clinic", "service", "practitioner", "start")}
    return {**choices, "start": request.form.get("other_start") or choices["start"]}


def _prefill(journey: Journey) -> dict:
    data = journey.query()
    if current_user.is_authenticated and current_user.role == Role.PATIENT:
        first, _, last = current_user.full_name.partition(" ")
        data.update(first_name=first, last_name=last, email=current_user.email)
        data.update(details_on_record(current_user.id))  # date of birth, new or returning, consent
    return data


def _book(journey: Journey, form: BookingDetailsForm, now):
    booking_request = BookingRequest(
        clinic_id=journey.clinic.id,
        service_slug=journey.chosen_service.slug,
        start=journey.chosen_start,
        patient=PatientDetails(form.first_name.data, form.last_name.data, form.email.data, form.phone.data,
                               form.date_of_birth.data),
        practitioner_id=journey.practitioner_id,
        new_patient=form.new_patient.data == "new",
        pain_area=form.pain_area.data,
        user_id=account_id_for_patient(form.email.data, form.date_of_birth.data),
        text_consent_source="booking" if form.text_reminders.data else "",
    )
    begin_serialised_transaction()
    return book_appointment(booking_request, now)


def _explain(form: BookingDetailsForm, error: DomainError, journey: Journey) -> None:
    """Show the service's refusal next to the field it names; a time just taken comes with
    the next free times to choose from instead."""
    if isinstance(error, SlotUnavailable) and error.next_slots:
        zone = journey.zone
        choices = [TimeChoice(slot.start.astimezone(zone), slot.practitioner_id) for slot in error.next_slots]
        form.other_start.choices = [SelectChoice(choice.iso, choice.description) for choice in choices]
        form.populate_errors(error, default="other_start", only=PATIENT_FIELDS)  # beside the times offered
    elif isinstance(error, SlotUnavailable):
        form.form_errors.append("Sorry, that time was just taken, and no other time is free soon. Choose another day.")
    else:
        form.populate_errors(error, only=PATIENT_FIELDS)


def _iso(days: dict) -> dict[str, str]:
    return {name: day.isoformat() for name, day in days.items()}

