"""Demo rollout pipeline: a clinic at every stage, some milestones late, and Indianapolis in
soft opening with its checklist complete, ready for head office to open. Synthetic and
idempotent: a clinic that already has a rollout is left alone."""

from __future__ import annotations

import secrets
from datetime import datetime, time, timedelta

from sqlalchemy import select

from clinic_app.accounts.models import Role, User
from clinic_app.accounts.service import NewAccount, create_account
from clinic_app.clinics.models import Clinic
from clinic_app.clinics.rules import local_date, slug_for
from clinic_app.demand.models import OpeningAlertSignup
from clinic_app.extensions import db
from clinic_app.geo.geocoding import locate_zip
from clinic_app.rollout.models import ClinicRollout, RolloutMilestone, RolloutStage
from clinic_app.rollout.rules import public_status_at
from clinic_app.scheduling.models import Practitioner, Service
from clinic_app.scheduling.service import PractitionerProfile, WeeklyInterval, create_practitioner, set_weekly_hours

HEAD_OFFICE_OWNER = "headoffice@example.com"
# (milestone, owner: None for the head-office demo account, else a name; due in days from today; done)
Milestone = tuple[str, str | None, int, bool]
PIPELINE: dict[str, tuple[RolloutStage, list[Milestone]]] = {
    "richmond": (RolloutStage.PROSPECT, [
        ("Market study of back-pain demand", "Morgan Analyst (consultant)", -20, True),
        ("Shortlist three sites", None, 12, False),
    ]),
    "anchorage": (RolloutStage.SITE_SELECTED, [
        ("Site visit with the broker", "Dana Realty (broker)", -14, True),
        ("Letter of intent to the landlord", "Dana Realty (broker)", -5, False),
    ]),
    "st-louis": (RolloutStage.LEASE_SIGNED, [
        ("Lease signed", None, -30, True),
        ("Architect's drawings approved", "Arch & Co (architect)", -2, False),
        ("Building permit", "Arch & Co (architect)", 21, False),
    ]),
    "omaha": (RolloutStage.FIT_OUT, [
        ("Treatment rooms built", "Plains Builders (contractor)", 14, False),
        ("Signage installed", "Plains Builders (contractor)", -3, False),
    ]),
    "cleveland": (RolloutStage.HIRING, [
        ("Hire two practitioners", None, 7, False),
        ("Hire the front desk", None, -1, False),
    ]),
    "indianapolis": (RolloutStage.SOFT_OPENING, [
        ("Friends-and-family week", None, -4, True),
        ("Open to patients", None, 3, False),
    ]),
    "honolulu": (RolloutStage.OPEN, [
        ("Lease signed", None, -400, True),
        ("Open to patients", None, -300, True),
    ]),
}
# How long each demo clinic has been at its stage (days), so the board's "days in stage" reads true.
DAYS_IN_STAGE = {"richmond": 25, "anchorage": 40, "st-louis": 30, "omaha": 21, "cleveland": 18, "indianapolis": 6,
                 "honolulu": 300}
# People nearby who asked to hear when Indianapolis opens (all synthetic).
INDIANAPOLIS_SIGNUPS = (("waiting.indy@example.com", "46220"), ("waiting.greenwood@example.com", "46143"))
READY_PRACTITIONER = ("indianapolis-1@staff.backsolution.example", "Riley Park", "DPT")


def seed_rollout_pipeline(password: str, now: datetime) -> int:
    """Add the demo rollouts that do not exist yet; return how many were added."""
    owner = db.session.scalar(select(User).where(User.email == HEAD_OFFICE_OWNER))
    existing = set(db.session.scalars(select(ClinicRollout.clinic_id)))
    added = 0
    for slug, (stage, milestones) in PIPELINE.items():
        clinic = db.session.scalar(select(Clinic).where(Clinic.slug == slug_for(slug)))
        if clinic is None or clinic.id in existing:
            continue
        if stage != RolloutStage.OPEN:
            clinic.status = public_status_at(stage)  # the public status follows the stage
        entered = now - timedelta(days=DAYS_IN_STAGE.get(slug, 0))
        rollout = ClinicRollout(clinic=clinic, stage=stage, stage_changed_at=entered, created_at=now,
                                opened_at=now - timedelta(days=300) if stage == RolloutStage.OPEN else None)
        db.session.add(rollout)
        today = local_date(clinic.timezone, now)  # late is judged in the clinic's calendar
        for title, name, due_in, done in milestones:
            due_on = today + timedelta(days=due_in)
            db.session.add(RolloutMilestone(
                rollout=rollout, title=title, stage=stage, owner_user=None if name else owner,
                owner_name=name or ("" if owner else "Head office"), due_on=due_on,
                done_on=due_on if done else None,
            ))
        if stage == RolloutStage.SOFT_OPENING:
            _make_ready_to_open(clinic, password)
            _seed_nearby_signups(now)
        added += 1
    db.session.flush()
    return added


def _make_ready_to_open(clinic: Clinic, password: str) -> None:
    """A practitioner with weekly hours and every service offered: the checklist is complete."""
    email, name, credentials = READY_PRACTITIONER
    user = db.session.scalar(select(User).where(User.email == email))
    if user is None:
        user = create_account(NewAccount(email, name, password, Role.PRACTITIONER, (clinic.id,)))
    services = list(db.session.scalars(select(Service).where(Service.active.is_(True)).order_by(Service.id)))
    for service in services:
        if clinic not in service.clinics:
            service.clinics.append(clinic)
    if db.session.scalar(select(Practitioner.id).where(Practitioner.user_id == user.id)) is None:
        practitioner = create_practitioner(
            user, PractitionerProfile(display_name=f"{name}, {credentials}", credentials=credentials,
                                      bio=f"Joins {clinic.name} for its opening.", specialities="low back pain"),
            services,
        )
        hours = [WeeklyInterval(h.weekday, h.opens, min(h.closes, time(17))) for h in clinic.opening_hours]
        set_weekly_hours(practitioner, clinic, hours)


def _seed_nearby_signups(now: datetime) -> None:
    for email, zip_code in INDIANAPOLIS_SIGNUPS:
        exists = db.session.scalar(select(OpeningAlertSignup.id).where(OpeningAlertSignup.email == email))
        location = locate_zip(zip_code)
        if exists is None and location is not None:
            db.session.add(OpeningAlertSignup(
                email=email, zip_code=zip_code, latitude=location.latitude, longitude=location.longitude,
                consented_at=now, unsubscribe_token=secrets.token_urlsafe(32),
            ))

