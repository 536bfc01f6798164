"""What a clinic's managers change on the team pages: practitioner profiles, weekly hours at
their clinic, hours for one date, and time off. Flush, never commit: the caller commits.

A practitioner is in one place at a time, so hours that overlap their hours at another clinic
are refused, naming that clinic, against the field at fault. Everything is read by the
availability engine on the next request: a change shows in the free times at once.
"""

from __future__ import annotations

from collections.abc import Set as AbstractSet
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, or_, select

from clinic_app.accounts.models import Role, User, clinic_staff
from clinic_app.clinics.models import Clinic
from clinic_app.errors import ValidationFailed
from clinic_app.extensions import db
from clinic_app.scheduling.models import (
    Booking,
    BookingStatus,
    DatedHours,
    Practitioner,
    Service,
    TimeOff,
    WorkingHours,
)
from clinic_app.scheduling.service import (
    PractitionerProfile,
    WeeklyInterval,
    create_practitioner,
    set_weekly_hours,
)

# Longest single stretch of time off recorded in one go.
MAX_TIME_OFF_DAYS = 366


@dataclass(frozen=True)
class DatedPeriod:
    """Hours on one date at one clinic that replace the weekly hours there that day."""

    on_date: date
    starts: time
    ends: time


@dataclass(frozen=True)
class TimeAway:
    """Whole days away, first to last inclusive, on the clinic's calendar."""

    first_day: date
    last_day: date
    reason: str = ""


def clinic_team(clinic: Clinic) -> list[Practitioner]:
    """Practitioner profiles of the clinic's staff and of anyone with hours there, by name."""
    staff = select(clinic_staff.c.user_id).where(clinic_staff.c.clinic_id == clinic.id)
    return list(db.session.scalars(
        select(Practitioner)
        .where(or_(Practitioner.user_id.in_(staff),
                   Practitioner.working_hours.any(WorkingHours.clinic_id == clinic.id)))
        .order_by(Practitioner.display_name)
    ))


def team_member(clinic: Clinic, practitioner_id: int) -> Practitioner | None:
    """The practitioner, when they are on this clinic's team."""
    return next((p for p in clinic_team(clinic) if p.id == practitioner_id), None)


def update_profile(practitioner: Practitioner, profile: PractitionerProfile) -> None:
    if profile.photo_url and not profile.photo_url.startswith("https://"):
        raise ValidationFailed("Give a web address starting with https://, or leave it blank.", "photo_url")
    for name, value in profile.__dict__.items():
        setattr(practitioner, name, value.strip())
    db.session.flush()


def set_hours_at_clinic(practitioner: Practitioner, clinic: Clinic, hours: list[WeeklyInterval]) -> None:
    """Replace the weekly hours at this clinic; each weekday's error is named ``day<weekday>``."""
    for interval in hours:
        if interval.ends <= interval.starts:
            raise ValidationFailed("The finish time must be after the start time.", f"day{interval.weekday}")
        clash = _weekly_clash(practitioner, clinic.id, interval.weekday, interval.starts, interval.ends)
        if clash is not None:
            raise ValidationFailed(_overlap_message(clash), f"day{interval.weekday}")
    set_weekly_hours(practitioner, clinic, hours)


def add_dated_hours(practitioner: Practitioner, clinic: Clinic, period: DatedPeriod) -> DatedHours:
    """Hours for one date. Refused when they overlap the practitioner's hours that date at
    another clinic (dated there, or weekly there with no dated hours replacing them) or other
    dated hours here."""
    if period.ends <= period.starts:
        raise ValidationFailed("The finish time must be after the start time.", "ends")
    same_day = list(db.session.scalars(select(DatedHours).where(
        DatedHours.practitioner_id == practitioner.id, DatedHours.on_date == period.on_date)))
    for row in same_day:
        if row.starts < period.ends and period.starts < row.ends:
            raise ValidationFailed(_overlap_message(row, "hours for this date"), "starts")
    replaced = {row.clinic_id for row in same_day}
    clash = _weekly_clash(practitioner, clinic.id, period.on_date.weekday(), period.starts, period.ends, replaced)
    if clash is not None:
        raise ValidationFailed(_overlap_message(clash), "starts")
    row = DatedHours(practitioner_id=practitioner.id, clinic_id=clinic.id, on_date=period.on_date,
                     starts=period.starts, ends=period.ends)
    db.session.add(row)
    db.session.flush()
    return row


def add_time_off(practitioner: Practitioner, away: TimeAway, zone_name: str) -> TimeOff:
    """Time off from the start of the first day to the end of the last, in the clinic's zone."""
    if away.last_day < away.first_day:
        raise ValidationFailed("The last day must be on or after the first day.", "last_day")
    if (away.last_day - away.first_day).days >= MAX_TIME_OFF_DAYS:
        raise ValidationFailed("Record at most a year of time off at once.", "last_day")
    zone = ZoneInfo(zone_name)
    start = datetime.combine(away.first_day, time(0), tzinfo=zone).astimezone(UTC)
    end = datetime.combine(away.last_day + timedelta(days=1), time(0), tzinfo=zone).astimezone(UTC)
    row = TimeOff(practitioner_id=practitioner.id, start_at=start, end_at=end, reason=away.reason.strip())
    db.session.add(row)
    db.session.flush()
    return row


def upcoming_dated_hours(practitioner: Practitioner, clinic: Clinic, today: date) -> list[DatedHours]:
    return list(db.session.scalars(
        select(DatedHours)
        .where(DatedHours.practitioner_id == practitioner.id, DatedHours.clinic_id == clinic.id,
               DatedHours.on_date >= today)
        .order_by(DatedHours.on_date, DatedHours.starts)
    ))


def upcoming_time_off(practitioner: Practitioner, now: datetime) -> list[TimeOff]:
    return list(db.session.scalars(
        select(TimeOff).where(TimeOff.practitioner_id == practitioner.id, TimeOff.end_at > now)
        .order_by(TimeOff.start_at)
    ))


def remove_dated_hours(practitioner: Practitioner, clinic: Clinic, row_id: int) -> bool:
    """Remove one of the practitioner's dated hours at this clinic; False when there is none."""
    row = db.session.get(DatedHours, row_id)
    if row is None or row.practitioner_id != practitioner.id or row.clinic_id != clinic.id:
        return False
    db.session.delete(row)
    db.session.flush()
    return True


def remove_time_off(practitioner: Practitioner, row_id: int) -> bool:
    row = db.session.get(TimeOff, row_id)
    if row is None or row.practitioner_id != practitioner.id:
        return False
    db.session.delete(row)
    db.session.flush()
    return True


def _weekly_clash(practitioner: Practitioner, clinic_id: int, weekday: int, starts: time, ends: time,
                  replaced_at: AbstractSet[int] = frozenset()) -> WorkingHours | None:
    """The practitioner's weekly hours at another clinic overlapping these, if any; clinics in
    ``replaced_at`` have dated hours instead that day, so their weekly hours do not count."""
    for row in practitioner.working_hours:
        elsewhere = row.clinic_id != clinic_id and row.clinic_id not in replaced_at
        if elsewhere and row.weekday == weekday and row.starts < ends and starts < row.ends:
            return row
    return None


def _overlap_message(row, what: str = "weekly hours") -> str:
    clinic = db.session.get_one(Clinic, row.clinic_id)
    return (f"Overlaps {what} at {clinic.name}, {row.starts.strftime('%-I:%M %p')} to "
            f"{row.ends.strftime('%-I:%M %p')}.")


def accounts_without_profile(clinic: Clinic) -> list[User]:
    """The clinic's practitioner accounts that patients cannot book yet: no profile."""
    return list(db.session.scalars(
        select(User)
        .join(clinic_staff, clinic_staff.c.user_id == User.id)
        .where(clinic_staff.c.clinic_id == clinic.id, User.role == Role.PRACTITIONER,
               ~select(Practitioner.id).where(Practitioner.user_id == User.id).exists())
        .order_by(User.full_name)
    ))


def create_profile_at(clinic: Clinic, user: User) -> Practitioner:
    """A bookable profile for one of the clinic's practitioner accounts, named after the
    account and offering the clinic's active services; hours are set next."""
    services = db.session.scalars(
        select(Service).where(Service.active.is_(True), Service.clinics.any(Clinic.id == clinic.id))
    )
    return create_practitioner(user, PractitionerProfile(display_name=user.full_name), list(services))


def visits_during(practitioner: Practitioner, start: datetime, end: datetime) -> list[Booking]:
    """The practitioner's booked visits that start in [start, end), earliest first: time off
    does not cancel them, so whoever adds it is shown which to move."""
    return list(db.session.scalars(
        select(Booking).where(
            Booking.practitioner_id == practitioner.id, Booking.status == BookingStatus.BOOKED,
            Booking.start_at >= start, Booking.start_at < end,
        ).order_by(Booking.start_at)
    ))


def visits_at_clinic_on(clinic: Clinic, day: date) -> int:
    """How many booked visits the clinic has on ``day`` (its own calendar): closing the day
    does not cancel them, so whoever closes it is told to move them."""
    zone = ZoneInfo(clinic.timezone)
    start = datetime.combine(day, time(0), tzinfo=zone).astimezone(UTC)
    end = datetime.combine(day + timedelta(days=1), time(0), tzinfo=zone).astimezone(UTC)
    return db.session.scalar(
        select(func.count()).select_from(Booking).where(
            Booking.clinic_id == clinic.id, Booking.status == BookingStatus.BOOKED,
            Booking.start_at >= start, Booking.start_at < end,
        )
    ) or 0
