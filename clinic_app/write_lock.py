"""Requests that write on SQLite take the write lock before they read, or run again when they
could not.

SQLite lets one connection write at a time. A transaction that has read (BEGIN, the default,
is deferred) and then writes must upgrade to the write lock; in write-ahead-log mode SQLite
refuses that upgrade at once, whatever the busy timeout, when another connection holds the lock
or has committed since the first read (SQLITE_BUSY / SQLITE_BUSY_SNAPSHOT): its snapshot is out
of date. Under light load that turned ordinary requests into 503s. So, on SQLite:

- a request that changes something (any method but GET, HEAD, OPTIONS) begins each of its
  transactions with BEGIN IMMEDIATE (clinic_app.extensions.request_takes_write_lock): it waits
  its turn for the lock, up to the busy timeout, before it reads, and its upgrade cannot fail;
- the nearest-clinic search, whose read transaction SQLite would often refuse to upgrade (every
  other search commits a point), writes its anonymous demand point in a short transaction of its
  own when that happens (clinic_app.demand.service.record_search);
- the few GETs that also write (an audited chart or note read, a confirmation link, the
  two-factor enrolment page) begin as readers, so they do not queue behind writers; when their
  upgrade is refused, their transaction is rolled back whole and the view runs once more, from
  the start, with the write lock taken first (each writes in one transaction, so nothing of the
  first run stays). The user sees only the second answer.

PostgreSQL needs none of this: there a writer never fails for having read first, and two
changes of one row are settled by constraints and row versions (a 409, clinic_app.errors).
"""

from __future__ import annotations

import functools
import logging
import sqlite3
import time

from flask import Flask, g, request
from sqlalchemy.exc import OperationalError

from clinic_app.extensions import SQLITE_BUSY_TIMEOUT_SECONDS, db, request_takes_write_lock

log = logging.getLogger(__name__)


def register_write_lock(app: Flask) -> None:
    """On SQLite, every view runs again with the write lock taken first when its upgrade to a
    writer was refused. Call after every blueprint is registered."""
    with app.app_context():
        if db.engine.dialect.name != "sqlite":
            return
    for endpoint, view in app.view_functions.items():
        app.view_functions[endpoint] = retry_lost_upgrade(view)


def retry_lost_upgrade(view):
    """``view``, run a second time (and only then with the write lock taken before any read)
    when SQLite refused its transaction the upgrade from reader to writer. Everything the first
    run did in the database is rolled back before the second begins."""

    @functools.wraps(view)
    def run(*args, **kwargs):
        started = time.monotonic()
        try:
            return view(*args, **kwargs)
        except OperationalError as error:
            if request_takes_write_lock() or not lost_upgrade(error, time.monotonic() - started):
                raise
        db.session.rollback()
        g.write_lock_first = True
        log.info("SQLite refused a write upgrade on %s %s: run again with the write lock first",
                 request.method, request.url_rule.rule if request.url_rule else "?")
        return view(*args, **kwargs)

    return run


def lost_upgrade(error: OperationalError, seconds: float) -> bool:
    """Whether SQLite refused a reader's upgrade to writer (at once), rather than giving up on a
    write lock it waited for during the whole busy timeout (the database really is busy: 503)."""
    code = getattr(error.orig, "sqlite_errorcode", None)
    if code == sqlite3.SQLITE_BUSY_SNAPSHOT:
        return True
    return code == sqlite3.SQLITE_BUSY and seconds < SQLITE_BUSY_TIMEOUT_SECONDS
