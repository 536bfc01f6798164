"""The booking figures of each clinic's calendar days, kept current as bookings change.

A report over a year of the whole network would otherwise aggregate ~500,000 bookings on every
view (bench/README.md). daily_booking_figures holds, for each clinic and each of its local
calendar days with bookings, the figures of queries/bookings.py's booking_figure_columns over that day's
bookings: the same SQL, so a row always equals what the report would compute from the bookings.

Whenever a flush inserts, changes or deletes a booking, the rows of the (clinic, day) it was on
and the one it is on now are recomputed in the same transaction: a committed booking is never
missing from the table. A clinic whose time zone changes has all its days rebuilt.

Concurrency (PostgreSQL, READ COMMITTED): each row is first created or locked by an upsert, and
only then recomputed, by a new statement whose snapshot therefore holds every booking committed
by whoever held the lock before: two visits booked at once on one day are both counted. Rows are
locked in (clinic, day) order, so two moves cannot deadlock on them. SQLite has one writer.

Bookings written without the ORM (a bulk import, the benchmark's loader) bypass this:
``flask reports rebuild`` recomputes the whole table from the bookings.
"""

from __future__ import annotations

from dataclasses import fields
from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import delete, insert, inspect, select, text, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from clinic_app.clinics.models import Clinic
from clinic_app.reporting.models import DailyBookingFigures as Daily
from clinic_app.reporting.queries.bookings import BookingFigures, booking_figure_columns
from clinic_app.reporting.queries.scope import ClinicRef, ReportRange, in_local_range, local_windows
from clinic_app.reporting.queries.sql import local_date
from clinic_app.scheduling.models import Booking

FIGURES = [figure.name for figure in fields(BookingFigures)]


def recount_after_flush(session: Session, flush_context) -> None:
    """Runs inside every flush: the session still lists what it wrote, with each attribute's
    value from before the flush."""
    bookings = [obj for obj in (*session.new, *session.dirty, *session.deleted) if isinstance(obj, Booking)]
    moved_clinics = [obj.id for obj in session.dirty
                     if isinstance(obj, Clinic) and inspect(obj).attrs.timezone.history.has_changes()]
    if not bookings and not moved_clinics:
        return
    connection = session.connection()
    for clinic_id in moved_clinics:
        rebuild(connection, clinic_id)
    places = {place for booking in bookings for place in _places(booking)}
    if places:
        recount(connection, places, session)


def _places(booking: Booking) -> set[tuple[int, datetime]]:
    """(clinic, start) now and, for a change, before it."""
    state = inspect(booking)

    def before(name: str):
        history = state.attrs[name].history
        return history.deleted[0] if history.deleted else getattr(booking, name)

    return {(booking.clinic_id, booking.start_at), (before("clinic_id"), before("start_at"))}


def recount(connection, places: set[tuple[int, datetime]], session: Session | None = None) -> None:
    """Recompute the rows of the clinics' local days of these instants."""
    zones = _zones(connection, {clinic_id for clinic_id, _ in places}, session)
    days = sorted({(clinic_id, start.astimezone(ZoneInfo(zones[clinic_id])).date()) for clinic_id, start in places})
    for clinic_id, day in days:
        _lock_row(connection, clinic_id, day)
        clinic = ClinicRef(clinic_id, "", zones[clinic_id])
        figures = connection.execute(
            select(*booking_figure_columns()).where(
                in_local_range(Booking.clinic_id, Booking.start_at, local_windows(ReportRange(day, day), [clinic])))
        ).one()
        connection.execute(update(Daily).where(Daily.clinic_id == clinic_id, Daily.day == day)
                           .values(dict(zip(FIGURES, (int(value) for value in figures), strict=True))))


def _zones(connection, clinic_ids: set[int], session: Session | None) -> dict[int, str]:
    """Each clinic's time zone: from the session when it holds the clinic loaded (a booking has
    just read it; after the flush its value is the stored one), else read."""
    zones = {}
    for clinic_id in clinic_ids:
        key = inspect(Clinic).identity_key_from_primary_key((clinic_id,))
        clinic = session.identity_map.get(key) if session is not None else None
        if clinic is not None and "timezone" in clinic.__dict__:
            zones[clinic_id] = clinic.timezone
    missing = clinic_ids - zones.keys()
    if missing:
        zones.update(connection.execute(select(Clinic.id, Clinic.timezone).where(Clinic.id.in_(missing))).all())
    return zones


def _lock_row(connection, clinic_id: int, day: date) -> None:
    """Create the row if missing, and lock it until the transaction ends (PostgreSQL: an
    upsert that updates takes the row lock, waiting for any transaction that holds it)."""
    dialect = connection.dialect.name
    statement = (postgresql_insert if dialect == "postgresql" else sqlite_insert)(Daily).values(
        clinic_id=clinic_id, day=day, **dict.fromkeys(FIGURES, 0))
    connection.execute(statement.on_conflict_do_update(
        index_elements=[Daily.clinic_id, Daily.day], set_={"clinic_id": statement.excluded.clinic_id}))


def rebuild(connection, clinic_id: int | None = None) -> None:
    """Recompute every row (of one clinic, or of all) from the bookings."""
    if connection.dialect.name == "postgresql":  # no recount may interleave with the rebuild
        connection.execute(text("LOCK TABLE daily_booking_figures IN SHARE ROW EXCLUSIVE MODE"))
    day = local_date(Booking.start_at, Clinic.timezone)
    counted = select(Booking.clinic_id, day, *booking_figure_columns()).join(
        Clinic, Clinic.id == Booking.clinic_id).group_by(Booking.clinic_id, day)
    cleared = delete(Daily)
    if clinic_id is not None:
        counted = counted.where(Booking.clinic_id == clinic_id)
        cleared = cleared.where(Daily.clinic_id == clinic_id)
    connection.execute(cleared)
    connection.execute(insert(Daily).from_select(["clinic_id", "day", *FIGURES], counted))
