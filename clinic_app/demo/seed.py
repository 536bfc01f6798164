"""Synthetic demo data. Deterministic and idempotent: a second run adds nothing."""

from __future__ import annotations

import random
from datetime import date, time

from sqlalchemy import insert, select

from clinic_app.accounts.models import Role, User
from clinic_app.accounts.service import NewAccount, create_account
from clinic_app.accounts.two_factor import enrol_with_secret
from clinic_app.clinics.models import Clinic, ClinicStatus, OpeningHours
from clinic_app.clinics.rules import Interval, is_known_timezone, slug_for
from clinic_app.clinics.service import ClinicDetails, create_clinic
from clinic_app.clock import utcnow
from clinic_app.demo.data import (
    DEMO_CLINICS,
    DEMO_PRACTITIONER_NAMES,
    DEMO_SERVICES,
    DEMO_TOTP_SECRET,
    DEMO_TWO_FACTOR_EMAILS,
    DEMO_USERS,
    HOLIDAYS,
)
from clinic_app.extensions import db
from clinic_app.geo.geocoding import all_zip_locations
from clinic_app.geo.states import US_STATES
from clinic_app.rollout.demo import seed_rollout_pipeline
from clinic_app.scheduling.models import Practitioner, Service
from clinic_app.scheduling.service import (
    PractitionerProfile,
    ServiceDetails,
    WeeklyInterval,
    create_practitioner,
    create_service,
    set_breaks,
    set_weekly_hours,
)

WEEKDAY_HOURS = (time(8), time(18))
LATE_WEEKDAY_HOURS = (time(10), time(20))
SATURDAY_HOURS = (time(9), time(13))
LUNCH = ((time(12), time(12, 30)), (time(12, 30), time(13)))  # early and late shift


def demo_hours(index: int) -> tuple[Interval, ...]:
    """Weekdays 8-6 (every third clinic 10-8 on Thursdays); Saturday mornings at most clinics."""
    hours = [Interval(day, *WEEKDAY_HOURS) for day in range(5)]
    if index % 3 == 0:
        hours[3] = Interval(3, *LATE_WEEKDAY_HOURS)
    if index % 4 != 3:
        hours.append(Interval(5, *SATURDAY_HOURS))
    return tuple(hours)


def demo_phone(index: int) -> str:
    return f"(555) 01{index // 100 % 10}-{index % 100:02d}{index % 7}{index % 3}"  # 555-01xx is reserved for fiction


def seed_demo_clinics() -> int:
    """Create the demo clinics that do not exist yet; return how many were added."""
    existing = set(db.session.scalars(select(Clinic.slug)))
    holidays = tuple((date.fromisoformat(day), reason) for day, reason in HOLIDAYS)
    added = 0
    for index, (name, street, city, state, zip_code, status) in enumerate(DEMO_CLINICS):
        slug = slug_for(name.removeprefix("Back Solution "))
        if slug in existing:
            continue
        create_clinic(
            ClinicDetails(
                name=name,
                slug=slug,
                status=status,
                address_line1=street,
                city=city,
                state=state,
                zip_code=zip_code,
                phone=demo_phone(index),
                email=f"{slug}@clinics.backsolution.example",
                accepting_new_patients=index % 9 != 8,
                description=f"Back and neck pain care in {city}: assessment, manual therapy "
                "and a home exercise programme that fits your day.",
                hours=demo_hours(index),
                closures=holidays,
            )
        )
        added += 1
    return added


def seed_demo_users(password: str) -> int:
    first_clinic = db.session.execute(
        select(Clinic).where(Clinic.slug == slug_for(DEMO_CLINICS[0][0].removeprefix("Back Solution ")))
    ).scalar_one()
    added = 0
    for email, full_name, role, at_first_clinic in DEMO_USERS:
        if db.session.scalar(select(User.id).where(User.email == email)) is not None:
            continue
        clinic_ids = (first_clinic.id,) if at_first_clinic else ()
        create_account(NewAccount(email, full_name, password, Role(role), clinic_ids))
        added += 1
    _confirm_demo_patients()
    _enrol_demo_two_factor()
    return added


def _confirm_demo_patients() -> None:
    """Demo patient accounts have a confirmed e-mail, so their records join them (also on a
    database seeded before confirmation existed, whose accounts lost their records)."""
    for email, _, role, _ in DEMO_USERS:
        user = db.session.scalar(select(User).where(User.email == email))
        if role == Role.PATIENT and user is not None and not user.email_verified:
            user.email_verified_at = utcnow()


def _enrol_demo_two_factor() -> None:
    """Head office and admin must use two-factor sign-in: their demo accounts are enrolled with
    the published DEMO_TOTP_SECRET (also on a database seeded before two-factor existed)."""
    for email in DEMO_TWO_FACTOR_EMAILS:
        user = db.session.scalar(select(User).where(User.email == email))
        if user is not None and not user.two_factor_enrolled:
            enrol_with_secret(user, DEMO_TOTP_SECRET, utcnow())


def seed_demo_schedules(password: str) -> int:
    """Services at every open demo clinic and two practitioners each, with weekly hours and a
    lunch break; the demo practitioner account works at the first clinic. Returns how many
    practitioner profiles were added."""
    services = {s.slug: s for s in db.session.scalars(select(Service))}
    for slug, name, minutes, buffer, new_only, description in DEMO_SERVICES:
        if slug not in services:
            services[slug] = create_service(ServiceDetails(slug, name, minutes, buffer, new_only, description))
    open_clinics = list(
        db.session.scalars(
            select(Clinic)
            .where(Clinic.status == ClinicStatus.OPEN, ~Clinic.slug.like("network-%"))
            .order_by(Clinic.id)
        )
    )
    for service in services.values():
        service.clinics = sorted(set(service.clinics) | set(open_clinics), key=lambda clinic: clinic.id)
    with_profile = set(db.session.scalars(select(Practitioner.user_id)))
    added = 0
    for index, clinic in enumerate(open_clinics):
        for shift in (0, 1):
            user = _demo_practitioner_account(clinic, index, shift, password)
            if user.id in with_profile:
                continue
            first, last, credentials, specialities = DEMO_PRACTITIONER_NAMES[(2 * index + shift) % 8]
            display = user.full_name if user.email == "practitioner@example.com" else f"{first} {last}, {credentials}"
            practitioner = create_practitioner(
                user,
                PractitionerProfile(
                    display_name=display,
                    credentials=credentials,
                    bio=f"Treats {specialities} at {clinic.name}.",
                    specialities=specialities,
                ),
                list(services.values()),
            )
            set_weekly_hours(practitioner, clinic, _demo_shift(clinic, shift))
            set_breaks(practitioner, [WeeklyInterval(day, *LUNCH[shift]) for day in range(5)])
            added += 1
    seed_rollout_pipeline(password, utcnow())
    return added


def _demo_practitioner_account(clinic: Clinic, index: int, shift: int, password: str) -> User:
    """The demo practitioner login is the first clinic's first practitioner."""
    email = (
        "practitioner@example.com"
        if index == 0 and shift == 0
        else f"{clinic.slug}-{shift + 1}@staff.backsolution.example"
    )
    user = db.session.scalar(select(User).where(User.email == email))
    if user is None:
        first, last, credentials, _ = DEMO_PRACTITIONER_NAMES[(2 * index + shift) % 8]
        user = create_account(NewAccount(email, f"{first} {last}", password, Role.PRACTITIONER, (clinic.id,)))
    return user


def _demo_shift(clinic: Clinic, shift: int) -> list[WeeklyInterval]:
    """The early shift works the clinic's opening to mid-afternoon, the late one from late
    morning to closing; each stays within the clinic's hours that day."""
    hours = []
    for opening in clinic.opening_hours:
        if shift == 0:
            hours.append(WeeklyInterval(opening.weekday, opening.opens, min(opening.closes, time(16))))
        elif opening.weekday < 5:
            hours.append(WeeklyInterval(opening.weekday, max(opening.opens, time(10)), opening.closes))
    return hours


def seed_synthetic_network(count: int, seed: int = 2026) -> int:
    """Add generated clinics numbered 1..``count`` (those not there yet), for benchmarks.

    Each stands near a real ZIP centre in a US state, picked at random with a fixed seed and
    nudged by up to about 3 miles, so networks larger than the ZIP list still spread like the
    population does. Bulk inserts: 100,000 clinics take seconds.
    """
    rng = random.Random(seed)
    candidates = sorted(
        (z for z in all_zip_locations() if z.state in US_STATES and is_known_timezone(z.timezone)),
        key=lambda z: z.zip_code,
    )
    existing = set(db.session.scalars(select(Clinic.slug).where(Clinic.slug.like("network-%"))))
    rows = []
    for number in range(1, count + 1):
        z = rng.choice(candidates)
        jitter = (rng.uniform(-0.04, 0.04), rng.uniform(-0.04, 0.04))
        if f"network-{number:06d}" not in existing:
            rows.append(_network_row(number, z, jitter))
    for start in range(0, len(rows), 5000):
        _insert_network_batch(rows[start : start + 5000])
    return len(rows)


def _insert_network_batch(rows: list[dict]) -> None:
    if not rows:
        return
    db.session.execute(insert(Clinic), rows)
    ids = db.session.scalars(select(Clinic.id).where(Clinic.slug.in_([r["slug"] for r in rows]))).all()
    db.session.execute(
        insert(OpeningHours),
        [
            {"clinic_id": clinic_id, "weekday": i.weekday, "opens": i.opens, "closes": i.closes}
            for clinic_id in ids
            for i in demo_hours(clinic_id)
        ],
    )


def _network_row(number: int, z, jitter: tuple[float, float]) -> dict:
    return {
        "slug": f"network-{number:06d}",
        "name": f"Back Solution {z.city.title()} #{number}",
        "status": ClinicStatus.COMING_SOON if number % 10 == 0 else ClinicStatus.OPEN,
        "address_line1": f"{number % 900 + 100} Main Street",
        "address_line2": "",
        "city": z.city.title(),
        "state": z.state,
        "zip_code": z.zip_code,
        "latitude": round(z.latitude + jitter[0], 6),
        "longitude": round(z.longitude + jitter[1], 6),
        "timezone": z.timezone,
        "phone": demo_phone(number),
        "email": "",
        "accepting_new_patients": True,
        "description": "",
        "created_at": utcnow(),
    }
