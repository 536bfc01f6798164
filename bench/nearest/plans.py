"""Query plans of the nearest-clinic search's candidate (box) query at 100,000 clinics.

The statements explained are the ones ``find_nearest_clinics`` really sends, captured as they
go to the driver, with their parameters: on SQLite ``EXPLAIN QUERY PLAN``, on PostgreSQL
``EXPLAIN (ANALYZE, BUFFERS)`` after ``ANALYZE clinics``. Two places are explained: a dense one
(downtown Phoenix, answered by the first 25-mile box) and a sparse one (the Gulf of Mexico,
where the box has to grow), whose widest box is shown.

Run from the repository root: ``.venv/bin/python bench/nearest/plans.py``.
"""

from __future__ import annotations

import argparse
import sys

from common import BACKENDS, grow_network, machine, make_app, postgres_available, temporary_database, write_results
from sqlalchemy import event

from clinic_app.clinics.search import find_nearest_clinics
from clinic_app.extensions import db

INDEX_NAME = "ix_clinics_status_latitude_longitude"
PLACES = {"dense: downtown Phoenix (85004)": (33.4484, -112.0741), "sparse: Gulf of Mexico": (26.0, -90.0)}


def candidate_statements(latitude: float, longitude: float) -> list[tuple[str, object]]:
    """The box queries one search sends, as (SQL in the driver's paramstyle, parameters)."""
    captured = []

    def capture(conn, cursor, statement, parameters, context, executemany):
        if "BETWEEN" in statement and "FROM clinics" in statement:
            captured.append((statement, parameters))

    event.listen(db.engine, "before_cursor_execute", capture)
    try:
        find_nearest_clinics(latitude, longitude)
    finally:
        event.remove(db.engine, "before_cursor_execute", capture)
        db.session.remove()
    return captured


def explain(statement: str, parameters) -> list[str]:
    """The plan lines for one captured statement on the current database."""
    prefix = "EXPLAIN QUERY PLAN " if db.engine.dialect.name == "sqlite" else "EXPLAIN (ANALYZE, BUFFERS) "
    with db.engine.connect() as conn:
        rows = conn.exec_driver_sql(prefix + statement, parameters).all()
    if db.engine.dialect.name == "sqlite":
        return [row[-1] for row in rows]  # (id, parent, notused, detail)
    return [row[0] for row in rows]


def plans_for_backend(backend: str, size: int) -> dict:
    """Seed ``size`` clinics on a fresh database of ``backend`` and explain the box queries."""
    with temporary_database(backend) as url:
        app = make_app(url)
        with app.app_context():
            try:
                grow_network(size)
                return {"backend": backend, "clinics": size, "places": [explain_place(*p) for p in PLACES.items()]}
            finally:
                db.session.remove()
                db.engine.dispose()


def explain_place(label: str, point: tuple[float, float]) -> dict:
    statements = candidate_statements(*point)
    statement, parameters = statements[-1]
    lines = explain(statement, parameters)
    values = parameters.values() if isinstance(parameters, dict) else parameters
    return {
        "place": label,
        "point": point,
        "box_queries": len(statements),
        "explained": "the widest box" if len(statements) > 1 else "the only box",
        "statement": " ".join(statement.split()),
        "parameters": [_plain(value) for value in values],
        "plan": lines,
        "uses_index": any(INDEX_NAME in line for line in lines),
    }


def _plain(value):
    """Parameters as they read in SQL: 'open' rather than the enum, coordinates to 6 places."""
    return round(value, 6) if isinstance(value, float) else str(value)


def report(results: list[dict]) -> str:
    out = []
    for result in results:
        for place in result["places"]:
            out.append(
                f"### {result['backend']}, {result['clinics']:,} clinics, {place['place']} "
                f"({_plural(place['box_queries'], 'box query', 'box queries')}; {place['explained']} explained)\n"
            )
            out.append(f"Parameters: {place['parameters']}\n")
            out.append("```\n" + "\n".join(place["plan"]) + "\n```")
            out.append(f"Uses {INDEX_NAME}: {'yes' if place['uses_index'] else 'NO'}\n")
    return "\n".join(out)


def _plural(count: int, one: str, many: str) -> str:
    return f"{count} {one if count == 1 else many}"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--backends", default=",".join(BACKENDS))
    parser.add_argument("--clinics", type=int, default=100_000)
    args = parser.parse_args(argv)
    results = []
    for backend in args.backends.split(","):
        if backend == "postgresql" and not postgres_available():
            print("skipped postgresql: server not reachable", file=sys.stderr)
            continue
        results.append(plans_for_backend(backend, args.clinics))
    print(report(results))
    path = write_results("nearest-plans", {"machine": machine(), "results": results})
    print(f"JSON: {path.relative_to(path.parents[2])}")
    return 0 if all(place["uses_index"] for r in results for place in r["places"]) else 1


if __name__ == "__main__":
    sys.exit(main())
