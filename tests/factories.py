"""Small factories for test data: make_clinic, make_user, make_service, make_practitioner."""

from __future__ import annotations

import itertools
from datetime import date, time, timedelta

from clinic_app.accounts.models import Role, User
from clinic_app.accounts.service import NewAccount, create_account
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


def make_user(role: Role | str = Role.PATIENT, clinics=(), **overrides) -> User:
    n = next(_sequence)
    account = NewAccount(
        email=overrides.pop("email", f"user{n}@example.com"),
        full_name=overrides.pop("full_name", f"Test Person {n}"),
        password=overrides.pop("password", DEFAULT_PASSWORD),
        role=Role(role),
        clinic_ids=tuple(clinic.id for clinic in clinics),
    )
    user = create_account(account)
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
