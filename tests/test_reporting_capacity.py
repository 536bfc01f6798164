"""Available minutes over long ranges: each weekday is worked out once and multiplied, so these
check that the days that differ (dated hours, time off, closures, clock changes) still count
exactly as they would one by one."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from clinic_app.clinics.models import ClinicClosure
from clinic_app.extensions import db
from clinic_app.reporting.queries.capacity import available_minutes
from clinic_app.reporting.queries.scope import ReportRange, report_clinics
from clinic_app.scheduling.models import DatedHours, TimeOff
from tests.factories import make_clinic, make_practitioner

NEW_YORK = ZoneInfo("America/New_York")


def minutes_for(first: date, last: date, clinic) -> int:
    report = ReportRange(first, last)
    return available_minutes(report, report_clinics(report))[clinic.id]


def test_dated_hours_on_the_first_monday_leave_the_other_mondays_on_weekly_hours(app):
    clinic = make_clinic()
    practitioner = make_practitioner(clinic)  # weekdays 9 to 5
    db.session.add(DatedHours(practitioner_id=practitioner.id, clinic_id=clinic.id, on_date=date(2026, 2, 2),
                              starts=time(10), ends=time(12)))
    db.session.commit()
    # Three weeks from Monday 2 February: 15 weekdays of 8 hours, the first Monday only 2.
    assert minutes_for(date(2026, 2, 2), date(2026, 2, 22), clinic) == 14 * 480 + 120


def test_a_year_counts_the_same_minutes_as_its_days_one_by_one(app):
    clinic = make_clinic(timezone="America/New_York")
    practitioner = make_practitioner(clinic)
    db.session.add_all([
        DatedHours(practitioner_id=practitioner.id, clinic_id=clinic.id, on_date=date(2026, 3, 9),
                   starts=time(7), ends=time(11)),
        DatedHours(practitioner_id=practitioner.id, clinic_id=clinic.id, on_date=date(2026, 3, 14),
                   starts=time(10), ends=time(12)),  # a Saturday: the clinic is shut
        ClinicClosure(clinic_id=clinic.id, closed_on=date(2026, 7, 3)),
        TimeOff(practitioner_id=practitioner.id,
                start_at=datetime(2026, 10, 30, 15, tzinfo=NEW_YORK).astimezone(UTC),
                end_at=datetime(2026, 11, 3, 11, tzinfo=NEW_YORK).astimezone(UTC)),
    ])
    db.session.commit()
    first, last = date(2026, 1, 1), date(2026, 12, 31)
    one_by_one = sum(minutes_for(first + timedelta(days=n), first + timedelta(days=n), clinic)
                     for n in range((last - first).days + 1))
    assert minutes_for(first, last, clinic) == one_by_one
    # 261 weekdays of 8 hours; less the closure; the dated Monday 9-11 (inside 9 to 5); the
    # time off: Friday 30 October 3-5 pm and Monday-Tuesday 2-3 November until 11 am.
    assert one_by_one == 261 * 480 - 480 - (480 - 120) - 120 - 480 - 120
