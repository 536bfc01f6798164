"""SQL expressions the reports need that SQLite and PostgreSQL spell differently.

- ``seconds_between(later, earlier)``: whole seconds between two stored instants.
- ``days_between(later, earlier)``: whole days between two dates.
- ``local_date(instant, zone)``: the calendar date on the wall in ``zone`` at a stored instant.
  PostgreSQL converts with ``AT TIME ZONE``; SQLite has no time-zone data, so every SQLite
  connection gets a small function, ``bs_local_date``, that does it with Python's zoneinfo.
- ``without_jit(session)``: PostgreSQL compiles no query of this transaction to machine code.
- ``count_where(condition)``: how many rows of the group meet the condition (0, not NULL, for none).
- ``change_window_open(start_at, at, hours)``: scheduling.rules.change_window_open in SQL, exact
  to the microsecond. PostgreSQL compares the interval; SQLite keeps instants as text, so every
  SQLite connection gets ``bs_change_window_open``, which calls the Python predicate itself.
"""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime
from functools import lru_cache
from zoneinfo import ZoneInfo

from sqlalchemy import Boolean, Date, Integer, case, event, func, text
from sqlalchemy.engine import Engine
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement

from clinic_app.scheduling import rules


class seconds_between(FunctionElement):  # noqa: N801 - used like a SQL function
    type = Integer()
    inherit_cache = True


class days_between(FunctionElement):  # noqa: N801
    type = Integer()
    inherit_cache = True


class local_date(FunctionElement):  # noqa: N801
    type = Date()
    inherit_cache = True


class change_window_open(FunctionElement):  # noqa: N801
    type = Boolean()
    inherit_cache = True


def count_where(condition):
    """SQL aggregate: the rows of the group for which ``condition`` holds; 0 for an empty group."""
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


def _args(element, compiler, **kw) -> list[str]:
    return [compiler.process(clause, **kw) for clause in element.clauses]


@compiles(seconds_between, "sqlite")
def _seconds_sqlite(element, compiler, **kw):
    later, earlier = _args(element, compiler, **kw)
    return f"CAST(round((julianday({later}) - julianday({earlier})) * 86400) AS INTEGER)"


@compiles(seconds_between)
def _seconds_postgresql(element, compiler, **kw):
    later, earlier = _args(element, compiler, **kw)
    return f"CAST(round(extract(epoch FROM ({later} - {earlier}))) AS INTEGER)"


@compiles(days_between, "sqlite")
def _days_sqlite(element, compiler, **kw):
    later, earlier = _args(element, compiler, **kw)
    return f"CAST(round(julianday({later}) - julianday({earlier})) AS INTEGER)"


@compiles(days_between)
def _days_postgresql(element, compiler, **kw):
    later, earlier = _args(element, compiler, **kw)
    return f"({later} - {earlier})"


@compiles(local_date, "sqlite")
def _local_date_sqlite(element, compiler, **kw):
    instant, zone = _args(element, compiler, **kw)
    return f"bs_local_date({instant}, {zone})"


@compiles(local_date)
def _local_date_postgresql(element, compiler, **kw):
    instant, zone = _args(element, compiler, **kw)
    return f"CAST(({instant} AT TIME ZONE {zone}) AS DATE)"


@compiles(change_window_open, "sqlite")
def _window_sqlite(element, compiler, **kw):
    start_at, at, hours = _args(element, compiler, **kw)
    return f"bs_change_window_open({start_at}, {at}, {hours})"


@compiles(change_window_open)
def _window_postgresql(element, compiler, **kw):
    start_at, at, hours = _args(element, compiler, **kw)
    return f"(({start_at} - {at}) >= CAST({hours} AS INTEGER) * INTERVAL '1 hour')"


@lru_cache(maxsize=64)
def _zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def _sqlite_local_date(stored: str | None, zone: str | None) -> str | None:
    """SQLite keeps a UTC instant as 'YYYY-MM-DD HH:MM:SS.ffffff' without its offset."""
    if stored is None or zone is None:
        return None
    instant = datetime.fromisoformat(stored).replace(tzinfo=UTC)
    return instant.astimezone(_zone(zone)).date().isoformat()


def _sqlite_change_window_open(start_at: str | None, at: str | None, hours: int | None) -> int | None:
    if start_at is None or at is None or hours is None:
        return None
    return int(rules.change_window_open(datetime.fromisoformat(start_at), datetime.fromisoformat(at), hours))


@event.listens_for(Engine, "connect")
def _register_sqlite_functions(dbapi_connection, connection_record):
    if isinstance(dbapi_connection, sqlite3.Connection):
        dbapi_connection.create_function("bs_local_date", 2, _sqlite_local_date, deterministic=True)
        dbapi_connection.create_function("bs_change_window_open", 3, _sqlite_change_window_open, deterministic=True)


def without_jit(session) -> None:
    """PostgreSQL: no JIT compilation for the rest of this transaction (SET LOCAL: the request's
    transaction only). At a million bookings the reports' cost estimates pass jit_above_cost,
    and compiling a query took ~0.5 s, far longer than running it (bench/README.md)."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SET LOCAL jit = off"))
