"""A request that reads and then writes is answered even when another connection commits in
between (issue 13, 2). On SQLite such a transaction cannot upgrade to a writer once its snapshot
is out of date: the search's demand point now has a transaction of its own, and a GET that must
write in its read's transaction (an audited chart read) runs again with the write lock taken
first. The moment is made exact here: just before the request's first INSERT into a table reaches
the database, another connection commits a row. PostgreSQL answers both without any of this.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date

import pytest
from sqlalchemy import event, func, select

from clinic_app.audit.models import AuditEvent
from clinic_app.demand.models import DemandPoint
from clinic_app.extensions import db
from tests.factories import make_booking, make_clinic


@contextmanager
def another_commit_before_first_insert_into(table: str) -> Iterator[None]:
    """Just before the first INSERT into ``table`` is sent, another connection commits a demand
    point of its own (any committed write would do)."""
    fired = []

    def commit_elsewhere(connection, cursor, statement, parameters, context, executemany):
        if fired or not statement.lstrip().upper().startswith(f"INSERT INTO {table.upper()}"):
            return
        fired.append(statement)
        with db.engine.connect() as other, other.begin():
            other.execute(DemandPoint.__table__.insert().values(
                searched_on=date(2026, 1, 5), area="100", latitude=40.7, longitude=-74.0, served=True))

    event.listen(db.engine, "before_cursor_execute", commit_elsewhere)
    try:
        yield
    finally:
        event.remove(db.engine, "before_cursor_execute", commit_elsewhere)
    assert fired, f"the request sent no INSERT into {table}"


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_a_search_answers_and_records_its_point_when_another_search_commits_first(client):
    make_clinic()
    with another_commit_before_first_insert_into("demand_points"):
        answer = client.get("/api/v1/clinics/nearest?zip=10001")
    assert answer.status_code == 200
    assert count(DemandPoint) == 2  # the other connection's, and this search's


@pytest.fixture
def practitioner_and_visit(client):
    visit = make_booking()
    assert client.login(visit.practitioner.user.email).status_code == 302
    return client, visit


def test_a_chart_read_is_answered_and_audited_once_when_another_commit_comes_between(practitioner_and_visit):
    client, visit = practitioner_and_visit
    with another_commit_before_first_insert_into("audit_events"):
        answer = client.get(f"/practice/patients/{visit.patient_id}")
    assert answer.status_code == 200
    assert visit.patient.email in answer.text
    assert list(db.session.scalars(select(AuditEvent.action))) == ["view_chart"]
