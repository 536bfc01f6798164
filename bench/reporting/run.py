"""Server time of the head-office reporting pages at 1,000,000 bookings, and their query plans.

For each backend (SQLite, then PostgreSQL when the local server answers): a throwaway database
with the network of data.py / bookings.py / clinical.py, then, signed in as head office through
the Flask test client (in-process: routing, queries, templates, the whole response body, no
network), every page and CSV file: one untimed warm-up, then ``--repeat`` timed GETs; median and
max. Then every SELECT of the report pages is EXPLAINed: a report page must not read bookings,
treatment notes or ODI responses whole.

Exit status 1 when a page's median passes 1 second or a report's plan scans one of those tables.
Results: bench/results/reporting-<time>.json.

    .venv/bin/python bench/reporting/run.py [--backend sqlite|postgresql|both] [--bookings N] [--repeat N]
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from bench.reporting.common import (  # noqa: E402
    machine,
    make_app,
    postgres_available,
    sign_in_head_office,
    temporary_database,
    time_get,
    write_results,
)

TARGET_MS = 1000
TABLES = ("bookings", "utilisation", "outcomes", "retention", "exercises", "categories")


def main() -> int:
    options = _arguments()
    backends = ["sqlite", "postgresql"] if options.backend == "both" else [options.backend]
    results = {"machine": machine(), "bookings_asked": options.bookings, "repeat": options.repeat, "runs": []}
    failed = False
    for backend in backends:
        if backend == "postgresql" and not postgres_available():
            print("PostgreSQL does not answer on 127.0.0.1:5432: skipped.")
            results["runs"].append({"backend": backend, "skipped": "server not reachable"})
            continue
        with temporary_database(backend) as url:
            run = _run_backend(backend, url, options)
        results["runs"].append(run)
        failed |= _report(run)
    path = write_results("reporting", results)
    print(f"\nResults: {path.relative_to(Path.cwd()) if path.is_relative_to(Path.cwd()) else path}")
    return 1 if failed else 0


def _arguments():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--backend", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--bookings", type=int, default=1_000_000)
    parser.add_argument("--notes", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=5)
    return parser.parse_args()


def _run_backend(backend: str, url: str, options) -> dict:
    from bench.reporting.plans import page_plans

    app = make_app(url)
    with app.app_context():
        loaded = _load(options)
        client = app.test_client()
        sign_in_head_office(client)
        load_before = os.getloadavg()
        pages = {label: time_get(client, page_url, options.repeat) for label, page_url in _pages(loaded).items()}
        loaded["load_average_before_after"] = [round(load_before[0], 2), round(os.getloadavg()[0], 2)]
        plans = {label: page_plans(client, page_url) for label, page_url in _pages(loaded).items()
                 if label.startswith("report ")}
    return {"backend": backend, "loaded": loaded, "pages": pages, "plans": plans}


def _load(options) -> dict:
    from sqlalchemy import func, select, text

    from bench.reporting.bookings import load_bookings
    from bench.reporting.clinical import load_clinical, load_demand, load_rollouts
    from bench.reporting.data import build_network
    from clinic_app.extensions import db
    from clinic_app.reporting.projections import rebuild_derived_tables

    today = datetime.now(UTC).date()
    started = time.perf_counter()
    network = build_network(today)
    counts = {"bookings": load_bookings(network, options.bookings)}
    counts.update(load_clinical(network, options.notes))
    counts.update(load_demand(today))
    counts["rollout_milestones"] = load_rollouts(today)
    # The loader writes with COPY / executemany, past the ORM hooks that keep the reports'
    # derived tables: rebuilt once here, as `flask reports rebuild` does after a bulk import.
    rebuilt = time.perf_counter()
    counts["derived_rows"] = rebuild_derived_tables(db.session.connection())
    db.session.commit()
    counts["derived_rebuild_seconds"] = round(time.perf_counter() - rebuilt, 1)
    if db.engine.dialect.name == "postgresql":  # as autovacuum would; nothing analyzes SQLite
        db.session.execute(text("ANALYZE"))
        db.session.commit()
    counts["seconds"] = round(time.perf_counter() - started, 1)
    busiest = db.session.execute(text(
        "SELECT clinic_id FROM bookings GROUP BY clinic_id ORDER BY count(*) DESC, clinic_id LIMIT 1")).scalar()
    counts.update(today=today.isoformat(), clinic_id=busiest, clinics=len(network.clinics),
                  patients=len(network.patients), practitioners=sum(map(len, network.practitioners.values())))
    counts["total_bookings"] = db.session.scalar(select(func.count()).select_from(text("bookings")))
    print(f"loaded in {counts['seconds']} s: {counts}")
    return counts


def _pages(loaded: dict) -> dict[str, str]:
    today = datetime.fromisoformat(loaded["today"]).date()
    year = f"since={(today - timedelta(days=364)).isoformat()}&until={today.isoformat()}"
    month = f"since={(today - timedelta(days=27)).isoformat()}&until={today.isoformat()}"
    clinic = f"clinic={loaded['clinic_id']}"
    pages = {
        "report overview /headoffice/": "/headoffice/",
        "report 28 days, network (default)": "/headoffice/reports",
        "report 1 year, network": f"/headoffice/reports?{year}",
        "report 28 days, one clinic": f"/headoffice/reports?{month}&{clinic}",
        "report 1 year, one clinic": f"/headoffice/reports?{year}&{clinic}",
    }
    pages.update({f"csv {key}, 28 days": f"/headoffice/reports/{key}.csv" for key in TABLES})
    pages.update({f"csv {key}, 1 year": f"/headoffice/reports/{key}.csv?{year}" for key in TABLES})
    pages.update({"claim 28 days, network (default)": "/headoffice/claim",
                  "claim 1 year, network": f"/headoffice/claim?{year}",
                  "claim 1 year, one clinic": f"/headoffice/claim?{year}&{clinic}"})
    pages.update({f"csv chart {key}, 1 year": f"/headoffice/reports/charts/{key}.csv?{year}"
                  for key in ("bookings-over-time", "no-show-funnel")})
    pages.update({
        "network": "/headoffice/network", "where-next": "/headoffice/where-next",
        "where-next csv": "/headoffice/where-next.csv", "rollout board": "/headoffice/rollout",
        "rollout timeline": "/headoffice/rollout/timeline",
    })
    return pages


def _report(run: dict) -> bool:
    """Print the table; True when something missed the target."""
    print(f"\n{run['backend']}: {run['loaded']['total_bookings']:,} bookings, "
          f"{run['loaded']['treatment_notes']:,} notes; machine load average (1 min) "
          f"{run['loaded']['load_average_before_after'][0]} before the pages, "
          f"{run['loaded']['load_average_before_after'][1]} after")
    print(f"{'page':<36} {'median ms':>10} {'max ms':>10} {'CPU ms':>10}")
    failed = False
    for label, page in run["pages"].items():
        slow = page["median_ms"] > TARGET_MS
        failed |= slow
        print(f"{label:<36} {page['median_ms']:>10.1f} {page['max_ms']:>10.1f} {page['median_cpu_ms']:>10.1f}"
              f"{'  OVER 1 s' if slow else ''}")
    for label, plans in run["plans"].items():
        scans = sorted({t for p in plans for t in p["full_scans"]})
        large = [t for t in scans if t in ("bookings", "treatment_notes", "odi_responses")]
        failed |= bool(large)
        print(f"plans {label}: {len(plans)} statements; whole-table reads: {', '.join(scans) or 'none'}"
              f"{'  SCANS A LARGE TABLE' if large else ''}")
    return failed


if __name__ == "__main__":
    sys.exit(main())
