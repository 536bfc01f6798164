"""The head-office dashboard's network totals. Reads other domains' models, writes nothing."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import func, select

from clinic_app.clinics.models import Clinic
from clinic_app.extensions import db
from clinic_app.scheduling.models import Booking, BookingStatus

# How far ahead the dashboard counts booked visits: the coming month's workload.
UPCOMING_DAYS = 30


def count_upcoming_visits(now: datetime, days: int = UPCOMING_DAYS) -> int:
    """Visits across the network that start from ``now`` up to ``days`` days ahead, leaving out
    cancelled ones. Bounded by date, so it reads one window of bookings, not the whole table.

    Counted clinic by clinic (a correlated subquery) because the only index on ``start_at`` is
    ix_bookings_clinic_start (clinic_id, start_at): each clinic's window is one index range.
    A plain join with the date range would make PostgreSQL scan every booking.
    """
    per_clinic = (
        select(func.count())
        .select_from(Booking)
        .where(
            Booking.clinic_id == Clinic.id,
            Booking.start_at >= now,
            Booking.start_at < now + timedelta(days=days),
            Booking.status != BookingStatus.CANCELLED,
        )
        .correlate(Clinic)
        .scalar_subquery()
    )
    return int(db.session.execute(select(func.coalesce(func.sum(per_clinic), 0)).select_from(Clinic)).scalar_one())
