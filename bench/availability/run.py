"""Availability for one clinic over 28 days: ours against two naive searches, then with a
million bookings in the database.

1. On a database holding the clinic's 2,000 bookings (bench/availability/data.py): the time of
   ``free_slots(clinic, service, first_day, 28, now)`` against ``nested_loop_free_slots`` and
   ``query_per_slot_free_slots`` (bench/availability/naive.py), for both services, each call
   in a fresh session (as a request has), loading the clinic and service included; all three
   must return the same slots. Target: ours at least 20x faster than each naive search.
2. A second database with the same clinic plus 998,000 bookings of 500 other practitioners at
   50 other clinics over a year (1,000,000 in all). Ours runs alternately on the two databases
   (so that load from other processes hits both alike) and must return the same slots on both.
   Target: median at 1,000,000 at most 1.5x the median at 2,000. The busy-interval query the
   engine sends is explained on the big database.

SQLite by default; PostgreSQL with ``--backend postgresql`` or when DATABASE_URL names a
PostgreSQL server (a throwaway database is created there and dropped). Prints markdown, writes
JSON to bench/results/, exits 1 when a target is missed or the answers differ.

    .venv/bin/python -m bench.availability.run [--backend sqlite|postgresql] [--repeat 30]
"""

from __future__ import annotations

import argparse
import sys
import time
from contextlib import ExitStack
from statistics import median

from sqlalchemy import event, func, select

from bench.availability import data
from bench.availability.common import (
    default_backend,
    machine,
    make_app,
    percentile,
    temporary_database,
    write_results,
)
from bench.availability.naive import nested_loop_free_slots, query_per_slot_free_slots
from clinic_app.clinics.models import Clinic
from clinic_app.extensions import db
from clinic_app.scheduling.availability import free_slots
from clinic_app.scheduling.models import Booking, Service

SPEEDUP_TARGET = 20.0
SCALING_TARGET = 1.5


def ours(clinic: Clinic, service: Service):
    return free_slots(clinic, service, data.FIRST_DAY, data.DAYS, data.NOW)


def nested_loop(clinic: Clinic, service: Service):
    return nested_loop_free_slots(clinic, service, data.FIRST_DAY, data.DAYS, data.NOW)


def query_per_slot(clinic: Clinic, service: Service):
    return query_per_slot_free_slots(clinic, service, data.FIRST_DAY, data.DAYS, data.NOW)


SEARCHES = {"ours": ours, "nested loop": nested_loop, "query per slot": query_per_slot}


def timed(app, search, clinic_id: int, service_id: int) -> tuple[float, list[tuple]]:
    """Milliseconds for one search in a fresh session (loading clinic and service included),
    and its slots as (start, end, practitioner id)."""
    with app.app_context():
        started = time.perf_counter()
        slots = search(db.session.get(Clinic, clinic_id), db.session.get(Service, service_id))
        elapsed = (time.perf_counter() - started) * 1000
        db.session.remove()
    return elapsed, [(s.start, s.end, s.practitioner_id) for s in slots]


def build(app, million: bool) -> tuple[data.ClinicSet, dict]:
    """Fill a fresh database: the clinic and its 2,000 bookings, plus the rest of the million."""
    with app.app_context():
        started = time.perf_counter()
        clinic = data.build_clinic()
        data.bulk_insert_bookings(data.clinic_bookings(clinic))
        if million:
            clinic_ids, practitioner_ids = data.add_other_network(clinic)
            others = data.TOTAL_BOOKINGS - data.CLINIC_BOOKINGS
            data.bulk_insert_bookings(data.other_bookings(clinic, clinic_ids, practitioner_ids, others))
        loaded = time.perf_counter() - started
        if db.engine.dialect.name == "postgresql":
            data.analyze()
        facts = {
            "bookings": db.session.scalar(select(func.count()).select_from(Booking)),
            "clinic_bookings": db.session.scalar(select(func.count()).where(Booking.clinic_id == clinic.clinic_id)),
            "load_seconds": round(loaded, 1),
        }
        db.session.remove()
    return clinic, facts


def compare_with_naive(app, clinic: data.ClinicSet, repeat: int, naive_repeat: int) -> list[dict]:
    rows = []
    for service_id in (clinic.assessment_id, clinic.follow_up_id):
        for _ in range(3):
            timed(app, ours, clinic.clinic_id, service_id)  # warm-up
        runs = {name: [timed(app, search, clinic.clinic_id, service_id)
                       for _ in range(repeat if name == "ours" else naive_repeat)]
                for name, search in SEARCHES.items()}
        answers = {name: [slots for _, slots in result] for name, result in runs.items()}
        reference = answers["ours"][0]
        ms = {name: [t for t, _ in result] for name, result in runs.items()}
        rows.append({
            "service": _service_name(app, service_id),
            "free_slots": len(reference),
            "same_slots": all(a == reference for group in answers.values() for a in group),
            **{f"{name}_ms": ms[name] for name in SEARCHES},
            **{f"{name}_median_ms": median(ms[name]) for name in SEARCHES},
            "speedup_nested_loop": median(ms["nested loop"]) / median(ms["ours"]),
            "speedup_query_per_slot": median(ms["query per slot"]) / median(ms["ours"]),
        })
    return rows


def compare_scales(small_app, big_app, clinic: data.ClinicSet, repeat: int) -> list[dict]:
    rows = []
    for service_id in (clinic.assessment_id, clinic.follow_up_id):
        for _ in range(3):
            timed(small_app, ours, clinic.clinic_id, service_id)
            timed(big_app, ours, clinic.clinic_id, service_id)
        small, big = [], []
        for _ in range(repeat):
            small.append(timed(small_app, ours, clinic.clinic_id, service_id))
            big.append(timed(big_app, ours, clinic.clinic_id, service_id))
        small_ms, big_ms = [t for t, _ in small], [t for t, _ in big]
        rows.append({
            "service": _service_name(small_app, service_id),
            "same_slots": all(slots == small[0][1] for _, slots in small + big),
            "small_ms": small_ms, "big_ms": big_ms,
            "small_median_ms": median(small_ms), "big_median_ms": median(big_ms),
            "small_p95_ms": percentile(small_ms, 0.95), "big_p95_ms": percentile(big_ms, 0.95),
            "ratio_median": median(big_ms) / median(small_ms),
            "ratio_p95": percentile(big_ms, 0.95) / percentile(small_ms, 0.95),
        })
    return rows


def busy_query_plan(app, clinic: data.ClinicSet) -> dict:
    """The busy-interval statement free_slots sends (captured at the driver) and its plan."""
    captured = []

    def capture(conn, cursor, statement, parameters, context, executemany):
        if "FROM bookings" in statement:
            captured.append((statement, parameters))

    with app.app_context():
        event.listen(db.engine, "before_cursor_execute", capture)
        try:
            ours(db.session.get(Clinic, clinic.clinic_id), db.session.get(Service, clinic.assessment_id))
        finally:
            event.remove(db.engine, "before_cursor_execute", capture)
            db.session.remove()
        statement, parameters = captured[-1]
        sqlite = db.engine.dialect.name == "sqlite"
        prefix = "EXPLAIN QUERY PLAN " if sqlite else "EXPLAIN (ANALYZE, BUFFERS) "
        with db.engine.connect() as conn:
            plan = [row[-1] if sqlite else row[0] for row in conn.exec_driver_sql(prefix + statement, parameters)]
    return {"statement": " ".join(statement.split()), "plan": plan}


def _service_name(app, service_id: int) -> str:
    with app.app_context():
        service = db.session.get(Service, service_id)
        name = f"{service.name} ({service.duration_minutes} min + {service.buffer_after_minutes} buffer)"
        db.session.remove()
    return name


def report(backend: str, facts: dict, naive_rows: list[dict], scale_rows: list[dict], plan: dict | None) -> str:
    out = [f"## {backend}: {facts['small']['bookings']:,} bookings (load {facts['small']['load_seconds']} s)", "",
           "| service | free slots | ours median ms | nested loop median ms | query per slot median ms "
           "| speedup vs nested loop | speedup vs query per slot | same slots |",
           "|---|---|---|---|---|---|---|---|"]
    for r in naive_rows:
        out.append(f"| {r['service']} | {r['free_slots']:,} | {r['ours_median_ms']:.1f} "
                   f"| {r['nested loop_median_ms']:,.0f} | {r['query per slot_median_ms']:,.0f} "
                   f"| {r['speedup_nested_loop']:.0f}x | {r['speedup_query_per_slot']:.0f}x "
                   f"| {'yes' if r['same_slots'] else 'NO'} |")
    if scale_rows:
        big = facts["big"]
        out += ["", f"## {backend}: {big['bookings']:,} bookings (load {big['load_seconds']} s), ours alternating",
                "", "| service | 2,000 median / p95 ms | 1,000,000 median / p95 ms | ratio median | ratio p95 "
                "| same slots |", "|---|---|---|---|---|---|"]
        for r in scale_rows:
            out.append(f"| {r['service']} | {r['small_median_ms']:.1f} / {r['small_p95_ms']:.1f} "
                       f"| {r['big_median_ms']:.1f} / {r['big_p95_ms']:.1f} | {r['ratio_median']:.2f}x "
                       f"| {r['ratio_p95']:.2f}x | {'yes' if r['same_slots'] else 'NO'} |")
    if plan:
        out += ["", "Busy-interval query at 1,000,000:", "", "```", plan["statement"], "", *plan["plan"], "```"]
    return "\n".join(out)


def verdicts(naive_rows: list[dict], scale_rows: list[dict]) -> list[tuple[str, bool]]:
    result = [
        (f">= {SPEEDUP_TARGET:.0f}x faster than naive", all(
            min(r["speedup_nested_loop"], r["speedup_query_per_slot"]) >= SPEEDUP_TARGET for r in naive_rows)),
        ("same slots as naive", all(r["same_slots"] for r in naive_rows)),
    ]
    if scale_rows:
        result += [
            (f"1,000,000 bookings <= {SCALING_TARGET}x the 2,000 median",
             all(r["ratio_median"] <= SCALING_TARGET for r in scale_rows)),
            ("same slots at 2,000 and 1,000,000", all(r["same_slots"] for r in scale_rows)),
        ]
    return result


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--backend", choices=("sqlite", "postgresql"), default=default_backend())
    parser.add_argument("--repeat", type=int, default=30, help="timed calls of ours per service and database")
    parser.add_argument("--naive-repeat", type=int, default=3, help="timed calls of each naive search per service")
    parser.add_argument("--skip-million", action="store_true", help="only part 1 (2,000 bookings)")
    args = parser.parse_args(argv)
    with ExitStack() as stack:
        small_app = make_app(stack.enter_context(temporary_database(args.backend, "small")))
        clinic, small_facts = build(small_app, million=False)
        print(f"{args.backend}: {small_facts['bookings']:,} bookings loaded; timing ours and naive", flush=True)
        naive_rows = compare_with_naive(small_app, clinic, args.repeat, args.naive_repeat)
        facts, scale_rows, plan = {"small": small_facts}, [], None
        if not args.skip_million:
            big_app = make_app(stack.enter_context(temporary_database(args.backend, "big")))
            print(f"{args.backend}: loading {data.TOTAL_BOOKINGS:,} bookings", flush=True)
            big_clinic, facts["big"] = build(big_app, million=True)
            assert big_clinic == clinic, "the two databases must hold the same clinic under the same ids"
            print(f"{args.backend}: loaded in {facts['big']['load_seconds']} s; timing ours on both", flush=True)
            scale_rows = compare_scales(small_app, big_app, clinic, args.repeat)
            plan = busy_query_plan(big_app, clinic)
        for app in (small_app, *([big_app] if not args.skip_million else [])):
            with app.app_context():
                db.engine.dispose()
    print()
    print(report(args.backend, facts, naive_rows, scale_rows, plan))
    results = verdicts(naive_rows, scale_rows)
    print()
    for label, met in results:
        print(f"- {label}: {'met' if met else 'NOT met'}")
    path = write_results(f"availability-{args.backend}", {
        "machine": machine(), "backend": args.backend, "facts": facts, "naive": naive_rows,
        "scale": scale_rows, "plan": plan, "verdicts": dict(results),
    })
    print(f"\nJSON: {path.relative_to(path.parents[2])}")
    return 0 if all(met for _, met in results) else 1


if __name__ == "__main__":
    sys.exit(main())
