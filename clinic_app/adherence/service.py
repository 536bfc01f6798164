"""Record a patient's daily check-in and read their progress. Flush, never commit.

A patient checks in from the e-mailed programme link (no account needed: most patients book as
guests) or from /my/ when signed in. These are the patient's own diary entries, not staff access
to a record, so they are not written to the audit trail; each row carries its own timestamps.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from clinic_app.adherence.models import CheckInExercise, ExerciseCheckIn
from clinic_app.adherence.rules import CheckIn, Feeling, Rating, WeekAdherence, streak, weekly_adherence
from clinic_app.adherence.signals import check_in_saved
from clinic_app.clinics.models import Clinic
from clinic_app.clinics.rules import local_date
from clinic_app.errors import ValidationFailed
from clinic_app.extensions import db
from clinic_app.scheduling.models import Booking, BookingStatus
from clinic_app.treatments.models import Programme

MAX_SETS = 20
# Today or yesterday: late enough to log last night's exercises, early enough to remember them.
DAYS_BACK = 1


@dataclass(frozen=True)
class ExerciseRating:
    rating: Rating | None
    pain_during: int | None


@dataclass(frozen=True)
class CheckInDetails:
    on: date
    pain: int
    feeling: Feeling | None
    sets_done: dict[int, int]  # exercise id -> sets done (0: not done)
    ratings: dict[int, ExerciseRating] = field(default_factory=dict)  # of exercises done


@dataclass(frozen=True)
class Progress:
    today: date
    streak: int
    weeks: list[WeekAdherence]
    recent: list[ExerciseCheckIn]  # newest first
    checked_in_today: ExerciseCheckIn | None


def patient_zone(patient_id: int) -> str:
    """Where the patient is treated: the zone of their latest visit that was not cancelled."""
    zone = db.session.scalar(
        select(Clinic.timezone)
        .join(Booking, Booking.clinic_id == Clinic.id)
        .where(Booking.patient_id == patient_id, Booking.status != BookingStatus.CANCELLED)
        .order_by(Booking.start_at.desc())
        .limit(1)
    )
    return zone or "UTC"


def patient_today(patient_id: int, now: datetime) -> date:
    """The date on the wall where the patient is treated."""
    return local_date(patient_zone(patient_id), now)


def record_check_in(programme: Programme, details: CheckInDetails, now: datetime) -> ExerciseCheckIn:
    """Save the day's check-in, replacing an earlier one for the same day."""
    today = patient_today(programme.patient_id, now)
    _check(programme, details, today)
    entry = db.session.scalar(
        select(ExerciseCheckIn).where(
            ExerciseCheckIn.programme_id == programme.id, ExerciseCheckIn.on_date == details.on
        )
    )
    if entry is None:
        entry = ExerciseCheckIn(patient_id=programme.patient_id, programme_id=programme.id, on_date=details.on,
                                created_at=now)
        db.session.add(entry)
    entry.pain = details.pain
    entry.feeling = details.feeling.value if details.feeling else None
    entry.updated_at = now
    # Updated in place: replacing the rows would insert the new ones before deleting the old.
    existing = {item.exercise_id: item for item in entry.exercises}
    for exercise_id, sets in details.sets_done.items():
        item = existing.pop(exercise_id, None)
        if item is None:
            item = CheckInExercise(exercise_id=exercise_id)
            entry.exercises.append(item)
        rated = details.ratings.get(exercise_id, ExerciseRating(None, None))
        item.sets_done = sets
        item.rating = rated.rating.value if rated.rating else None
        item.pain_during = rated.pain_during
    for stale in existing.values():
        entry.exercises.remove(stale)
    db.session.flush()
    check_in_saved.send(entry, now=now)
    return entry


def progress(programme: Programme, today: date) -> Progress:
    entries = check_ins(programme.id)
    as_rules = [as_check_in(entry) for entry in entries]
    prescribed_on = min(local_date(patient_zone(programme.patient_id), programme.created_at), today)
    return Progress(
        today,
        streak(as_rules, today),
        weekly_adherence(prescribed_on, as_rules, today),
        list(reversed(entries))[:7],
        next((entry for entry in entries if entry.on_date == today), None),
    )


def check_ins(programme_id: int) -> list[ExerciseCheckIn]:
    """Oldest first."""
    return list(
        db.session.scalars(
            select(ExerciseCheckIn)
            .where(ExerciseCheckIn.programme_id == programme_id)
            .options(selectinload(ExerciseCheckIn.exercises))
            .order_by(ExerciseCheckIn.on_date)
        )
    )


def as_check_in(entry: ExerciseCheckIn) -> CheckIn:
    return CheckIn(
        entry.on_date,
        entry.pain,
        Feeling(entry.feeling) if entry.feeling else None,
        frozenset(item.exercise_id for item in entry.exercises if item.sets_done > 0),
    )


def _check(programme: Programme, details: CheckInDetails, today: date) -> None:
    if programme.replaced_at is not None:
        raise ValidationFailed(
            "Your practitioner has changed this programme: please use the link in your latest e-mail."
        )
    if not today - timedelta(days=DAYS_BACK) <= details.on <= today:
        raise ValidationFailed("You can check in for today or yesterday.", "on")
    if not 0 <= details.pain <= 10:
        raise ValidationFailed("Choose a pain score from 0 to 10.", "pain")
    prescribed = {item.exercise_id for item in programme.items}
    if not set(details.sets_done) <= prescribed:
        raise ValidationFailed("Log only the exercises in your programme.")
    for exercise_id, sets in details.sets_done.items():
        if not 0 <= sets <= MAX_SETS:
            raise ValidationFailed(f"Sets must be from 0 to {MAX_SETS}.", f"sets_{exercise_id}")
    for exercise_id, rated in details.ratings.items():
        if not details.sets_done.get(exercise_id):
            raise ValidationFailed("Rate only an exercise you did today (one set or more).", f"rating_{exercise_id}")
        if rated.pain_during is not None and not 0 <= rated.pain_during <= 10:
            raise ValidationFailed("Give your pain from 0 to 10.", f"pain_during_{exercise_id}")
    if details.feeling is not None and not any(details.sets_done.values()):
        raise ValidationFailed("Tell us how the exercises felt on a day you did some.", "feeling")
