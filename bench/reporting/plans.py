"""Query plans of the statements a page runs: every SELECT issued while serving one GET is
recorded with its parameters, then EXPLAINed (EXPLAIN QUERY PLAN on SQLite, EXPLAIN (FORMAT JSON)
on PostgreSQL). A plan *scans* a table when it reads it whole: ``SCAN <table>`` on SQLite (with
or without an index: a full index walk reads every entry too), a ``Seq Scan`` on PostgreSQL."""

from __future__ import annotations

import re
from contextlib import contextmanager

from sqlalchemy import event

from clinic_app.extensions import db

# Tables a date-range report must reach through an index, never read whole.
LARGE_TABLES = ("bookings", "treatment_notes", "odi_responses")
WATCHED = (*LARGE_TABLES, "programmes", "exercise_check_ins", "check_in_exercises", "demand_points")
SQLITE_SCAN = re.compile(r"^SCAN (\w+)")
# SQLite names a table by its alias in the plan; SQLAlchemy aliases only what it must.
ALIAS = re.compile(r"\b(bookings|treatment_notes|odi_responses|programmes|exercise_check_ins|check_in_exercises|"
                   r"demand_points)(?:\s+AS)?\s+(\w+)", re.IGNORECASE)


@contextmanager
def recorded_statements():
    """Collect (sql, parameters) of every SELECT on the app's engine inside the block."""
    found: list[tuple[str, object]] = []

    def record(conn, cursor, statement, parameters, context, executemany):
        if statement.lstrip().upper().startswith(("SELECT", "WITH")) and not executemany:
            found.append((statement, parameters))

    engine = db.engine
    event.listen(engine, "before_cursor_execute", record)
    try:
        yield found
    finally:
        event.remove(engine, "before_cursor_execute", record)


def explain(statement: str, parameters) -> dict:
    """The plan as text lines and the watched tables it reads whole."""
    connection = db.session.connection()
    if connection.dialect.name == "postgresql":
        plan = connection.exec_driver_sql("EXPLAIN (FORMAT JSON) " + statement, parameters).scalar()
        lines, scans = [], set()
        _walk_pg(plan[0]["Plan"], 0, lines, scans)
    else:
        rows = connection.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, parameters).all()
        lines = [row[-1] for row in rows]
        aliases = {alias.lower(): table.lower() for table, alias in ALIAS.findall(statement)}
        scans = {aliases.get(m.group(1).lower(), m.group(1).lower()) for m in map(SQLITE_SCAN.match, lines) if m}
    tables = sorted(t for t in WATCHED if re.search(rf"\b{t}\b", statement))
    return {"tables": tables, "full_scans": sorted(scans & set(WATCHED)), "plan": lines,
            "sql": " ".join(statement.split())[:600]}


def _walk_pg(node: dict, depth: int, lines: list[str], scans: set[str]) -> None:
    relation = node.get("Relation Name")
    index = node.get("Index Name")
    detail = f"{node['Node Type']}" + (f" on {relation}" if relation else "") + (f" using {index}" if index else "")
    lines.append("  " * depth + detail + f" (rows={node.get('Plan Rows')})")
    if node["Node Type"] == "Seq Scan" and relation:
        scans.add(relation)
    for child in node.get("Plans", []):
        _walk_pg(child, depth + 1, lines, scans)


def page_plans(client, url: str) -> list[dict]:
    """EXPLAIN every SELECT that GET ``url`` runs and that touches a watched table."""
    with recorded_statements() as found:
        client.get(url)
    plans = []
    for statement, parameters in found:
        if any(re.search(rf"\b{t}\b", statement) for t in WATCHED):
            plans.append(explain(statement, parameters))
    db.session.rollback()
    return plans
