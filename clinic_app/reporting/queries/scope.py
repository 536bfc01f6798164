"""What a report covers: whole days, ``first_day`` to ``last_day`` inclusive, of every clinic
or one. A visit belongs to the date on its clinic's wall clock when it starts: the queries ask,
for each time zone, for instants inside that zone's local midnights (``local_windows``), so they
read the indexes by clinic and start and never convert a row."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, fields
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import and_, false, or_, select

from clinic_app.clinics.models import Clinic
from clinic_app.extensions import db

# A longer range is refused: the page is for looking at months, not at the whole history.
MAX_RANGE_DAYS = 731
DEFAULT_RANGE_DAYS = 28


@dataclass(frozen=True)
class ReportRange:
    first_day: date
    last_day: date  # inclusive
    clinic_id: int | None = None

    @property
    def days(self) -> int:
        return (self.last_day - self.first_day).days + 1


def default_range(today: date) -> ReportRange:
    """The last 28 days, today included."""
    return ReportRange(today - timedelta(days=DEFAULT_RANGE_DAYS - 1), today)


@dataclass(frozen=True)
class ClinicRef:
    id: int
    name: str
    timezone: str
    state: str = ""  # the US state, for figures by region


def report_clinics(report: ReportRange) -> list[ClinicRef]:
    """Every clinic (or the one chosen), by name: a clinic with no visits shows zeros."""
    return _clinics(report.clinic_id)


def _clinics(clinic_id: int | None) -> list[ClinicRef]:
    query = select(Clinic.id, Clinic.name, Clinic.timezone, Clinic.state).order_by(Clinic.name, Clinic.id)
    if clinic_id is not None:
        query = query.where(Clinic.id == clinic_id)
    return [ClinicRef(*row) for row in db.session.execute(query)]


def local_windows(report: ReportRange, clinics: list[ClinicRef]) -> list[tuple[list[int], datetime, datetime]]:
    """Per time zone: its clinics and the UTC instants of local midnight at the start of
    ``first_day`` and after ``last_day``."""
    by_zone: dict[str, list[int]] = defaultdict(list)
    for clinic in clinics:
        by_zone[clinic.timezone].append(clinic.id)
    windows = []
    for zone_name, ids in sorted(by_zone.items()):
        zone = ZoneInfo(zone_name)
        start = datetime.combine(report.first_day, time(0), tzinfo=zone).astimezone(UTC)
        end = datetime.combine(report.last_day + timedelta(days=1), time(0), tzinfo=zone).astimezone(UTC)
        windows.append((ids, start, end))
    return windows


def in_local_range(clinic_column, instant_column, windows):
    """SQL: the row's instant falls inside its clinic's local days of the report."""
    if not windows:
        return false()
    return or_(*(and_(clinic_column.in_(ids), instant_column >= start, instant_column < end)
                 for ids, start, end in windows))


def share(part: int | float, whole: int | float) -> float | None:
    """A fraction, or None when there is nothing to divide by (shown as a dash)."""
    return part / whole if whole else None


def add_up(rows, cls):
    """The network row of additive counts: each field summed over the clinic rows."""
    return cls(**{f.name: sum(getattr(row, f.name) for row in rows) for f in fields(cls)})


def clinic_choices() -> list[tuple[str, str]]:
    """Every clinic as (id, name) for the report's clinic menu."""
    return [(str(clinic.id), clinic.name) for clinic in _clinics(None)]
