"""Small factories for test data: make_clinic, make_user, make_service, make_practitioner."""

from __future__ import annotations

import itertools
from datetime import date, time, timedelta

import pyotp

from clinic_app.accounts.models import Role, User
from clinic_app.accounts.policy import TWO_FACTOR_REQUIRED_ROLES
from clinic_app.accounts.service import NewAccount, create_account
from clinic_app.accounts.two_factor import enrol_with_secret
from clinic_app.clinics.rules import Interval
from clinic_app.clinics.service import ClinicDetails, create_clinic
from clinic_app.clock import utcnow
from clinic_app.extensions import db
from clinic_app.patients.service import PatientDetails
from clinic_app.scheduling.availability import free_slots
from clinic_app.scheduling.booking import BookingRequest, book_appointment
from clinic_app.scheduling.service import (
    PractitionerProfile,
    ServiceDetails,
    WeeklyInterval,
    create_practitioner,
    create_service,
    set_breaks,
    set_weekly_hours,
)

DEFAULT_PASSWORD = "correct horse battery staple"
_sequence = itertools.count(1)

WEEKDAYS_9_TO_5 = tuple(Interval(day, time(9), time(17)) for day in range(5))


def make_clinic(**overrides):
    n = next(_sequence)
    fields = dict(
        name=f"Test Clinic {n}",
        status="open",
        address_line1=f"{n} Test Street",
        city="New York",
        state="NY",
        zip_code="10001",
        hours=WEEKDAYS_9_TO_5,
        phone="(555) 010-0000",
    )
    fields.update(overrides)
    clinic = create_clinic(ClinicDetails(**fields))
    db.session.commit()
    return clinic


def make_user(role: Role | str = Role.PATIENT, clinics=(), two_factor: bool | None = None, **overrides) -> User:
    """A user with DEFAULT_PASSWORD. Head office and admin come enrolled in two-factor sign-in,
    as they must be (``two_factor=False`` for one who has not enrolled yet; True enrols any role).
    Patients come with their e-mail address confirmed (``email_verified=False``: not yet)."""
    n = next(_sequence)
    account = NewAccount(
        email=overrides.pop("email", f"user{n}@example.com"),
        full_name=overrides.pop("full_name", f"Test Person {n}"),
        password=overrides.pop("password", DEFAULT_PASSWORD),
        role=Role(role),
        clinic_ids=tuple(clinic.id for clinic in clinics),
    )
    user = create_account(account)
    if user.role == Role.PATIENT and overrides.pop("email_verified", True):
        user.email_verified_at = utcnow()  # as a patient who can sign in has done
    if two_factor if two_factor is not None else user.role in TWO_FACTOR_REQUIRED_ROLES:
        enrol_with_secret(user, pyotp.random_base32(), utcnow())
    db.session.commit()
    return user


def make_service(clinics=(), **overrides):
    n = next(_sequence)
    fields = dict(slug=f"service-{n}", name=f"Test Service {n}", duration_minutes=30)
    fields.update(overrides)
    service = create_service(ServiceDetails(**fields), clinics)
    db.session.commit()
    return service


def make_practitioner(clinic, services=(), hours=WEEKDAYS_9_TO_5, breaks=(), **profile):
    """A practitioner account with a bookable profile, working ``hours`` at ``clinic``
    (default: weekdays 9 to 5, the clinic's own hours in make_clinic)."""
    user = make_user(Role.PRACTITIONER, clinics=(clinic,))
    practitioner = create_practitioner(
        user, PractitionerProfile(display_name=profile.pop("display_name", user.full_name), **profile), services
    )
    set_weekly_hours(practitioner, clinic, [WeeklyInterval(i.weekday, i.opens, i.closes) for i in hours])
    set_breaks(practitioner, breaks)
    db.session.commit()
    return practitioner


def make_booking(clinic=None, service=None, practitioner=None, patient_number=None, now=None, **patient):
    """A booked visit at the first free time after ``now`` (default: a week ago, so the visit
    is usually in the past, ready for notes). Creates what it is not given."""
    clinic = clinic or make_clinic()
    service = service or make_service(clinics=[clinic])
    practitioner = practitioner or make_practitioner(clinic, services=[service])
    now = now or utcnow() - timedelta(days=7)
    slot = next(s for s in free_slots(clinic, service, now.date(), 14, now, practitioner.id))
    n = patient_number or next(_sequence)
    details = PatientDetails(
        first_name=patient.pop("first_name", f"Patient{n}"),
        last_name=patient.pop("last_name", "Example"),
        email=patient.pop("email", f"patient{n}@example.com"),
        phone=patient.pop("phone", "555-0100"),
        date_of_birth=patient.pop("date_of_birth", date(1980, 1, 1)),
    )
    booking, _ = book_appointment(
        BookingRequest(clinic.id, service.slug, slot.start, details, practitioner_id=practitioner.id), now
    )
    db.session.commit()
    return booking


def make_chelsea_clinic(**overrides):
    """Back Solution Chelsea, the clinic the booking, portal and waitlist tests book at."""
    return make_clinic(**{"name": "Back Solution Chelsea", "slug": "chelsea", **overrides})


def make_follow_up_service(clinic):
    """The 30-minute follow-up treatment, offered at ``clinic``."""
    return make_service(clinics=[clinic], slug="follow-up", name="Follow-up treatment", duration_minutes=30)


def make_jordan_reyes(clinic, service, **profile):
    """Jordan Reyes, who gives ``service`` at ``clinic`` on weekdays 9 to 5."""
    return make_practitioner(clinic, services=[service], display_name="Jordan Reyes", **profile)


def make_bookable_clinic() -> tuple[int, str]:
    """A committed clinic whose practitioner has a free follow-up in three days, for tests that
    book through a real server: (clinic id, that time as the booking API takes it)."""
    clinic = make_clinic()
    service = make_service(clinics=[clinic], slug="follow-up", duration_minutes=30)
    make_practitioner(clinic, services=[service])
    now = utcnow()
    slot = free_slots(clinic, service, (now + timedelta(days=3)).date(), 7, now)[0]
    db.session.commit()
    return clinic.id, slot.start.isoformat()


def make_note(booking, author, pain: int | None, signed: bool = True, **fields):
    """The visit's treatment note, written straight to the database in the visit's episode of
    care (signed unless told otherwise): reporting and chart tests build histories with it."""
    from clinic_app.treatments.episodes import episode_for_visit
    from clinic_app.treatments.models import NoteStatus, TreatmentNote

    status = NoteStatus.SIGNED if signed else NoteStatus.DRAFT
    note = TreatmentNote(booking_id=booking.id, patient_id=booking.patient_id, author_id=author.id,
                         episode_id=episode_for_visit(booking).id, pain_before=pain, status=status,
                         signed_at=booking.end_at if signed else None, **fields)
    db.session.add(note)
    db.session.flush()
    return note


def make_seen_visit(status: str = "completed", **booking):
    """A visit (make_booking) the patient came to: marked seen, or ``status``; ready for its note."""
    visit = make_booking(**booking)
    visit.status = status
    db.session.commit()
    return visit
