"""Where one GET /api/v1/clinics/nearest?zip=... request spends its time, next to GET /healthz.

In-process (Flask test client, no HTTP, no gunicorn) on a throwaway PostgreSQL database with the
demo data and 10,000 synthetic clinics, development settings as wrk.sh serves them. Each request's
wall time is split by wrapping, in this process only, the functions the view calls:

* zip lookup: ``place_for_zip``;
* box queries + ranking: ``_nearest_ids`` (one UNION ALL box query for open and coming-soon
  clinics per round, haversine, geodesics for the few that can be nearest);
* clinic payloads: ``nearest_answer`` (serialised clinics from the in-process cache; a miss
  loads and serialises the clinic);
* demand insert: ``nearest_searched.send``, whose receiver is demand's ``record_search`` (one
  INSERT; on PostgreSQL the request runs in autocommit, so this is also the point's commit);
* commit: ``Session.commit`` (nothing left to send in autocommit);
* the rest: request parsing, URL building, Flask and JSON.

Then cProfile over the same requests lists the costliest functions. Run from the repository root:
``.venv/bin/python bench/nearest/profile_request.py``.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import pstats
import sys
import time
from collections import defaultdict
from statistics import median

from common import machine, postgres_available, temporary_database, write_results
from sqlalchemy import event, text
from sqlalchemy.orm import Session
from zips import benchmark_zips

from clinic_app import create_app
from clinic_app.api import views
from clinic_app.clinics import search
from clinic_app.clinics.signals import nearest_searched
from clinic_app.demo.seed import seed_demo_clinics, seed_synthetic_network
from clinic_app.extensions import db

PHASES = ("zip lookup", "box queries + ranking", "clinic payloads", "demand insert", "commit")


class RequestPhases:
    """Adds up the seconds each phase takes during one request."""

    def __init__(self):
        self.seconds = defaultdict(float)
        self._patched = []

    def wrap(self, owner, name: str, phase_for_call):
        original = getattr(owner, name)
        calls = [0]

        def timed(*args, **kwargs):
            phase = phase_for_call(calls[0])
            calls[0] += 1
            started = time.perf_counter()
            try:
                return original(*args, **kwargs)
            finally:
                self.seconds[phase] += time.perf_counter() - started

        self._patched.append((owner, name, original, calls))
        setattr(owner, name, timed)

    def install(self):
        self.wrap(views, "place_for_zip", lambda _: "zip lookup")
        self.wrap(search, "_nearest_ids", lambda _: "box queries + ranking")
        self.wrap(views, "nearest_answer", lambda _: "clinic payloads")
        self.wrap(nearest_searched, "send", lambda _: "demand insert")
        self.wrap(Session, "commit", lambda _: "commit")

    def uninstall(self):
        for owner, name, original, _ in reversed(self._patched):
            setattr(owner, name, original)

    def start_request(self):
        self.seconds.clear()
        for *_, calls in self._patched:
            calls[0] = 0


class StatementCounter:
    """Counts the SQL statements one request sends, and how many of them come after its commit
    (there should be none: nothing is reloaded after the demand point is written)."""

    def __init__(self, engine):
        self.engine = engine
        self.before_commit = self.after_commit = 0
        self.committed = False

    def _count(self, *args):
        if self.committed:
            self.after_commit += 1
        else:
            self.before_commit += 1

    def _on_commit(self, session):
        self.committed = True

    def install(self):
        event.listen(self.engine, "before_cursor_execute", self._count)
        event.listen(Session, "after_commit", self._on_commit)

    def uninstall(self):
        event.remove(self.engine, "before_cursor_execute", self._count)
        event.remove(Session, "after_commit", self._on_commit)

    def start_request(self):
        self.before_commit = self.after_commit = 0
        self.committed = False


def make_seeded_app(url: str, clinics: int):
    """The app with development settings (as wrk.sh serves it) on ``url``, demo data + ``clinics``."""
    overrides = {"DATABASE_URL": url, "RATELIMIT_ENABLED": False, "MAIL_ENABLED": False}
    app = create_app("development", overrides)
    with app.app_context():
        db.create_all()
        seed_demo_clinics()
        seed_synthetic_network(clinics)
        db.session.commit()
        db.session.execute(text("ANALYZE"))
        db.session.commit()
    return app


def time_requests(client, urls: list[str], phases: RequestPhases | None = None, counter=None) -> list[dict]:
    rows = []
    for url in urls:
        if phases:
            phases.start_request()
        if counter:
            counter.start_request()
        started, cpu_started = time.perf_counter(), time.process_time()
        response = client.get(url)
        total, cpu = time.perf_counter() - started, time.process_time() - cpu_started
        assert response.status_code == 200, (url, response.status_code)
        row = {"total": total * 1000, "cpu": cpu * 1000}
        if phases:
            row |= {phase: phases.seconds[phase] * 1000 for phase in PHASES}
            row["the rest"] = row["total"] - sum(row[phase] for phase in PHASES)
        if counter:
            row |= {"statements_before_commit": counter.before_commit, "statements_after_commit": counter.after_commit}
        rows.append(row)
    return rows


def phase_table(nearest: list[dict], healthz: list[dict]) -> str:
    lines = ["| part of the request | median ms | mean ms | share of mean |", "|---|---|---|---|"]
    mean_total = sum(r["total"] for r in nearest) / len(nearest)
    for key in ("total", *PHASES, "the rest"):
        values = [r[key] for r in nearest]
        mean = sum(values) / len(values)
        lines.append(f"| {key} | {median(values):.2f} | {mean:.2f} | {mean / mean_total:.0%} |")
    h = [r["total"] for r in healthz]
    lines.append(f"| /healthz, whole request | {median(h):.2f} | {sum(h) / len(h):.2f} | - |")
    before = median(r["statements_before_commit"] for r in nearest)
    after = median(r["statements_after_commit"] for r in nearest)
    lines.append(f"\nSQL statements per nearest request (median): {before:.0f} up to the commit, {after:.0f} after it")
    return "\n".join(lines)


def ratio_line(nearest: list[dict], healthz: list[dict]) -> str:
    """Wall time suffers from whatever else runs on the machine; this process's CPU time less so."""

    def mean(rows, key):
        return sum(r[key] for r in rows) / len(rows)

    return (
        f"In-process cost ratio healthz / nearest: {mean(healthz, 'total') / mean(nearest, 'total'):.3f} by wall time "
        f"(means {mean(healthz, 'total'):.2f} / {mean(nearest, 'total'):.2f} ms), "
        f"{mean(healthz, 'cpu') / mean(nearest, 'cpu'):.3f} by this process's CPU time "
        f"(means {mean(healthz, 'cpu'):.2f} / {mean(nearest, 'cpu'):.2f} ms; the database server's share not counted)"
    )


def top_functions(client, urls: list[str], count: int = 25) -> str:
    profiler = cProfile.Profile()
    profiler.enable()
    time_requests(client, urls)
    profiler.disable()
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(count)
    return out.getvalue()


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clinics", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=2, help="passes over the 200 ZIP codes")
    args = parser.parse_args(argv)
    if not postgres_available():
        print("PostgreSQL is not reachable at 127.0.0.1:5432", file=sys.stderr)
        return 1
    urls = [f"/api/v1/clinics/nearest?zip={zip_code}" for zip_code in benchmark_zips()] * args.repeat
    with temporary_database("postgresql") as url:
        app = make_seeded_app(url, args.clinics)
        try:
            client = app.test_client()
            time_requests(client, urls[:200])  # warm-up: ZIP index, caches
            time_requests(client, ["/healthz"] * 200)
            phases = RequestPhases()
            with app.app_context():
                counter = StatementCounter(db.engine)
            phases.install()
            counter.install()
            try:
                nearest = time_requests(client, urls, phases, counter)
            finally:
                counter.uninstall()
                phases.uninstall()
            healthz = time_requests(client, ["/healthz"] * len(urls))
            print(phase_table(nearest, healthz))
            print(ratio_line(nearest, healthz))
            print("\n" + top_functions(client, urls[:200]))
        finally:
            with app.app_context():
                db.session.remove()
                db.engine.dispose()
    payload = {"machine": machine(), "nearest": nearest, "healthz": healthz}
    path = write_results("nearest-request-profile", payload)
    print(f"JSON: {path.relative_to(path.parents[2])}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
