"""Shared set-up for the reporting benchmark: throwaway databases, fast bulk loading, signing in
as head office, and timing a page in-process.

Importing this module puts the repository root on ``sys.path`` (through bench.nearest.common),
so the scripts beside it run as ``.venv/bin/python bench/reporting/<script>.py``.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterable
from contextlib import AbstractContextManager

from bench.nearest.common import (
    machine,
    make_app,
    percentile,
    postgres_available,
    write_results,
)
from bench.nearest.common import temporary_database as nearest_temporary_database

__all__ = ["machine", "make_app", "percentile", "postgres_available", "write_results", "temporary_database",
           "bulk_insert", "sign_in_head_office", "time_get", "HEAD_OFFICE_EMAIL"]

HEAD_OFFICE_EMAIL = "bench-headoffice@example.com"
PASSWORD = "correct horse battery staple"  # noqa: S105 - a throwaway account in a throwaway database
TOKEN = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"|value="([^"]+)"[^>]*name="csrf_token"')


def temporary_database(backend: str) -> AbstractContextManager[str]:
    """An empty database named for this benchmark, removed on exit (bench/nearest/common.py)."""
    return nearest_temporary_database(backend, "reporting")


def bulk_insert(table, rows: Iterable[dict], batch: int = 20_000) -> int:
    """Insert plain rows into ``table`` (a Table) fast: COPY on PostgreSQL, core executemany in
    batches on SQLite. Commits. Returns how many rows went in. ``rows`` must not query the
    database while it is consumed: the connection is busy with the COPY."""
    from clinic_app.extensions import db

    if db.engine.dialect.name == "postgresql":
        return _copy(table, rows)
    total, chunk = 0, []
    for row in rows:
        chunk.append(row)
        if len(chunk) == batch:
            db.session.execute(table.insert(), chunk)
            total, chunk = total + len(chunk), []
    if chunk:
        db.session.execute(table.insert(), chunk)
        total += len(chunk)
    db.session.commit()
    return total


def _copy(table, rows: Iterable[dict]) -> int:
    from sqlalchemy import JSON

    from clinic_app.extensions import db

    rows = iter(rows)
    first = next(rows, None)
    if first is None:
        return 0
    columns = list(first)
    as_json = {name for name in columns if isinstance(table.c[name].type, JSON)}
    connection = db.session.connection().connection.driver_connection
    total = 0
    with connection.cursor() as cursor, cursor.copy(f"COPY {table.name} ({', '.join(columns)}) FROM STDIN") as copy:
        for row in _chain(first, rows):
            copy.write_row([json.dumps(row[c]) if c in as_json else row[c] for c in columns])
            total += 1
    db.session.commit()
    return total


def _chain(first, rest):
    yield first
    yield from rest


def sign_in_head_office(client) -> None:
    """Sign in as the benchmark's head-office user like a person would: password, then the
    current two-factor code from the stored secret."""
    from clinic_app import clock
    from clinic_app.accounts.service import find_user_by_email
    from clinic_app.accounts.two_factor import secret_of
    from clinic_app.accounts.two_factor_rules import next_usable_code

    response = _post_form(client, "/login", {"email": HEAD_OFFICE_EMAIL, "password": PASSWORD})
    if response.status_code == 302 and "/login/two-factor" in response.headers["Location"]:
        with client.application.app_context():
            user = find_user_by_email(HEAD_OFFICE_EMAIL)
            code = next_usable_code(secret_of(user), clock.utcnow(), user.totp_last_step)
        response = _post_form(client, "/login/two-factor", {"code": code})
    if client.get("/headoffice/reports").status_code != 200:
        raise RuntimeError("could not sign in as head office")


def _post_form(client, url: str, data: dict):
    html = client.get(url).get_data(as_text=True)
    match = TOKEN.search(html)
    if not match:
        raise RuntimeError(f"no CSRF token on {url}")
    return client.post(url, data={**data, "csrf_token": match.group(1) or match.group(2)})


def time_get(client, url: str, repeat: int) -> dict:
    """Server time of GET ``url`` in-process (routing, queries, template, response body), after
    one untimed warm-up: every repetition's milliseconds, the median and the max; and the CPU
    time of this process (the app's Python plus SQLite's work; PostgreSQL's own work is in
    another process), which a busy shared machine inflates less than the wall clock."""
    response = client.get(url)
    if response.status_code != 200:
        raise RuntimeError(f"GET {url} answered {response.status_code}")
    timings, cpu = [], []
    for _ in range(repeat):
        started, started_cpu = time.perf_counter(), time.process_time()
        response = client.get(url)
        response.get_data()
        timings.append((time.perf_counter() - started) * 1000)
        cpu.append((time.process_time() - started_cpu) * 1000)
        if response.status_code != 200:
            raise RuntimeError(f"GET {url} answered {response.status_code}")
    return {"url": url, "ms": [round(t, 2) for t in timings], "median_ms": round(percentile(timings, 0.5), 2),
            "max_ms": round(max(timings), 2), "cpu_ms": [round(t, 2) for t in cpu],
            "median_cpu_ms": round(percentile(cpu, 0.5), 2), "bytes": len(response.get_data())}
