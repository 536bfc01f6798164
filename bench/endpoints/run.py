"""Requests per second of five endpoints as a ratio to GET /healthz, measured in the same run
against the same server (issue 8, point 4; issue 19): the nearest-clinic search, a clinic's page,
a clinic's free times, the booking journey's week of times and a booking; beside each, its p50 and
p99 latency and its cost in CPU milliseconds per request (the gunicorn workers' CPU time, plus on
PostgreSQL the server processes serving this database, read from /proc before and after each wrk
run, divided by the requests wrk completed).

The set-up is bench/nearest/wrk.sh's: gunicorn, 2 sync workers, default development settings, on
a throwaway database per backend (PostgreSQL and SQLite by default; created here, removed at the
end, also on failure) holding the
demo data (``flask seed-demo --clinics N``) plus bench/availability/data.py's Bench Clinic (10
practitioners), whose free follow-up slots the bookings take. Tables come from the models
(``db.create_all``), not ``flask db upgrade``: while several engineers work in the tree its
models run ahead of its migrations. Rate limits are off (RATELIMIT_ENABLED=false) because every
request comes from 127.0.0.1 and the per-address limits (e.g. BOOKING_API_LIMIT) would otherwise
answer 429 to almost all of them, measuring the limiter instead of the endpoint; mail is off too.

Each round runs wrk on every endpoint in turn, DURATION seconds each, so each ratio compares two
runs of the same round:

- ``/healthz``;
- ``GET /api/v1/clinics/nearest?zip=...``: bench/nearest/nearest.lua over zips.py's 200 ZIPs
  (each request also commits an anonymous demand point);
- ``GET /clinics/<slug>``: paths.lua over the public demo clinics and 100 public synthetic ones;
- ``GET /api/v1/clinics/<id>/availability?service=follow-up&days=7``: paths.lua over the open
  demo clinics (each offers follow-ups, with two practitioners);
- ``GET /book/time?clinic=<slug>&service=follow-up&practitioner=any``: the journey's week of free
  times (first available practitioner), paths.lua over the open demo clinics;
- ``POST /api/v1/bookings``: bookings_status.lua, i.e. bench/availability/bookings.lua (each
  request a distinct free slot and patient, so 201 is expected) plus a count of statuses; a 409
  (slot just taken) would still be a correct answer, so failures are the other non-2xx answers
  plus socket errors.

    .venv/bin/python bench/endpoints/run.py [--backends postgresql,sqlite] [--clinics 10000] [--rounds 2]
                                            [--duration 8]

Prints a markdown table per backend, writes JSON to bench/results/endpoints-wrk-*.json; exits 1
when a request failed. Needs wrk (says how to install it when missing). The targets of issue 19
(ratios: nearest >= 0.5, clinic page >= 0.5, availability >= 0.4, week of times >= 0.3, booking
>= 0.2) are printed beside the figures, met or not; they do not change the exit status, because
on a machine shared with other work the ratios move (bench/README.md).
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import sys
import tempfile
import urllib.request
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO_ROOT = HERE.parents[1]
NEAREST = REPO_ROOT / "bench" / "nearest"
for folder in (REPO_ROOT, NEAREST):  # wrk_report.py and zips.py import their sibling `common`
    if str(folder) not in sys.path:
        sys.path.insert(0, str(folder))

from sqlalchemy import select, text  # noqa: E402
from wrk_report import parse_wrk  # noqa: E402
from zips import benchmark_zips  # noqa: E402

from bench.availability.common import machine, make_app, require_wrk, temporary_database, write_results  # noqa: E402
from bench.availability.throughput import Bodies, Server, prepare  # noqa: E402
from clinic_app.clinics.models import PUBLIC_STATUSES, Clinic, ClinicStatus  # noqa: E402
from clinic_app.extensions import db  # noqa: E402

VENV = REPO_ROOT / ".venv" / "bin"
SERVICE = "follow-up"
SYNTHETIC_PAGES = 100
ENDPOINTS = ("healthz", "nearest", "clinic_page", "availability", "book_time", "bookings")
LABELS = {
    "healthz": "`GET /healthz`",
    "nearest": "`GET /api/v1/clinics/nearest?zip=…`",
    "clinic_page": "`GET /clinics/<slug>`",
    "availability": "`GET /api/v1/clinics/<id>/availability?service=follow-up&days=7`",
    "book_time": "`GET /book/time?clinic=<slug>&service=follow-up&practitioner=any`",
    "bookings": "`POST /api/v1/bookings`",
}
TARGETS = {"nearest": 0.5, "clinic_page": 0.5, "availability": 0.4, "book_time": 0.3, "bookings": 0.2}
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def seed(url: str, clinics: int, folder: Path) -> str:
    """Demo data through the CLI, as an operator would load it; returns its summary line."""
    env = {**os.environ, "DATABASE_URL": url, "MAIL_ENABLED": "false"}
    for name in ("APP_ENV", "FLASK_DEBUG"):
        env.pop(name, None)
    log = folder / "seed.log"
    with log.open("w") as out:
        subprocess.run([str(VENV / "flask"), "--app", "wsgi", "seed-demo", "--clinics", str(clinics)],  # noqa: S603
                       cwd=REPO_ROOT, env=env, stdout=out, check=True)
    return log.read_text().splitlines()[0]


def write_paths(app, folder: Path, bench_clinic_id: int) -> dict[str, Path]:
    """The clinic pages and availability URLs the GET scripts rotate through, one a line (not the
    Bench Clinic's: it offers only its own services, and the bookings fill it)."""
    with app.app_context():
        demo = db.session.execute(
            select(Clinic.id, Clinic.slug, Clinic.status)
            .where(~Clinic.slug.like("network-%"), Clinic.id != bench_clinic_id, Clinic.status.in_(PUBLIC_STATUSES))
            .order_by(Clinic.id)
        ).all()
        network = db.session.scalars(
            select(Clinic.slug).where(Clinic.slug.like("network-%"), Clinic.status.in_(PUBLIC_STATUSES))
            .order_by(Clinic.id).limit(SYNTHETIC_PAGES)
        ).all()
        if db.engine.dialect.name == "postgresql":
            db.session.execute(text("ANALYZE"))
            db.session.commit()
        db.session.remove()
    pages = [f"/clinics/{slug}" for _, slug, _ in demo] + [f"/clinics/{slug}" for slug in network]
    free = [f"/api/v1/clinics/{cid}/availability?service={SERVICE}&days=7"
            for cid, _, status in demo if status == ClinicStatus.OPEN]
    weeks = [f"/book/time?clinic={slug}&service={SERVICE}&practitioner=any"
             for _, slug, status in demo if status == ClinicStatus.OPEN]
    files = {"clinic_page": folder / "pages.txt", "availability": folder / "availability.txt",
             "book_time": folder / "weeks.txt", "nearest": folder / "zips.txt"}
    files["clinic_page"].write_text("\n".join(pages) + "\n")
    files["availability"].write_text("\n".join(free) + "\n")
    files["book_time"].write_text("\n".join(weeks) + "\n")
    files["nearest"].write_text("\n".join(benchmark_zips()) + "\n")
    return files


def check_paths(base_url: str, files: dict[str, Path]) -> None:
    """Every page and availability URL must answer 200 before anything is timed."""
    bad = []
    for name in ("clinic_page", "availability", "book_time"):
        for path in files[name].read_text().split():
            try:
                with urllib.request.urlopen(base_url + path, timeout=10) as answer:  # noqa: S310
                    if answer.status != 200:
                        bad.append(path)
            except OSError:
                bad.append(path)
    if bad:
        raise RuntimeError(f"{len(bad)} URLs did not answer 200, e.g. {bad[:3]}")


class ServerCpu:
    """CPU seconds (user + system) spent so far by the gunicorn workers and, on PostgreSQL, by the
    server processes connected to the benchmark's database: what serving the requests cost,
    without wrk's share. Read from /proc (Linux); processes that ended are not counted, so the
    workers must live through a run (gunicorn sync workers do)."""

    def __init__(self, server: Server, database_url: str):
        self.master, self.url = server.process.pid, database_url

    def seconds(self) -> float:
        return sum(_process_cpu(pid) for pid in self._pids())

    def _pids(self) -> list[int]:
        children = Path(f"/proc/{self.master}/task/{self.master}/children").read_text().split()
        pids = [int(pid) for pid in children]
        if self.url.startswith("postgresql"):
            import psycopg

            with psycopg.connect(self.url.replace("postgresql+psycopg://", "postgresql://"), autocommit=True) as conn:
                pids += [row[0] for row in conn.execute(
                    "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()")]
        return pids


def _process_cpu(pid: int) -> float:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS  # utime, stime (fields 14, 15 of stat)


cpu: ServerCpu


def wrk(endpoint: str, base_url: str, seconds: int, args, files, bodies: Bodies) -> dict:
    """One wrk run on ``endpoint``; its figures (wrk_report.parse_wrk) plus failures."""
    url, env = base_url, {}
    if endpoint == "healthz":
        url += "/healthz"
    elif endpoint == "nearest":
        url += "/api/v1/clinics/nearest"
        env = {"ZIPS_FILE": str(files["nearest"])}
    elif endpoint == "bookings":
        env = {**bodies.env(), "BOOKINGS_LUA": str(REPO_ROOT / "bench" / "availability" / "bookings.lua")}
    else:
        env = {"PATHS_FILE": str(files[endpoint])}
    script = {"nearest": NEAREST / "nearest.lua", "clinic_page": HERE / "paths.lua", "availability": HERE / "paths.lua",
              "book_time": HERE / "paths.lua", "bookings": HERE / "bookings_status.lua"}.get(endpoint)
    command = ["wrk", f"-t{args.threads}", f"-c{args.connections}", f"-d{seconds}s", "--timeout", "10s", "--latency"]
    command += ["-s", str(script)] if script else []
    cpu_before = cpu.seconds()
    done = subprocess.run([*command, url], capture_output=True, text=True, timeout=seconds + 60,  # noqa: S603
                          env={**os.environ, **env}, check=False)
    if done.returncode != 0 or "Requests/sec" not in done.stdout:
        raise RuntimeError(f"wrk failed on {endpoint}: {done.stdout}\n{done.stderr}")
    figures = parse_wrk(done.stdout)
    figures["cpu_ms_per_request"] = 1000 * (cpu.seconds() - cpu_before) / max(figures["requests"], 1)
    if endpoint == "bookings":
        bodies.used(figures["requests"])
        ok, conflict, other = map(int, re.search(r"statuses: 2xx=(\d+) 409=(\d+) other=(\d+)", done.stdout).groups())
        figures.update(created=ok, conflicts=conflict, failures=other + figures["socket_errors"])
    else:
        figures["failures"] = figures["non_2xx_or_3xx"] + figures["socket_errors"]
    return figures


def measure(server: Server, args, files, bodies: Bodies) -> list[dict]:
    for endpoint in ENDPOINTS:  # warm both workers' caches and connections; not recorded
        wrk(endpoint, server.url, 2, args, files, bodies)
    rounds = []
    for number in range(1, args.rounds + 1):
        figures = {e: wrk(e, server.url, args.duration, args, files, bodies) for e in ENDPOINTS}
        base = figures["healthz"]["requests_per_second"]
        for f in figures.values():
            f["ratio_to_healthz"] = f["requests_per_second"] / base
        rounds.append({"round": number, **figures})
        print(f"round {number}: " + ", ".join(f"{e} {figures[e]['requests_per_second']:,.0f}/s" for e in ENDPOINTS),
              flush=True)
    return rounds


def summary(rounds: list[dict]) -> dict[str, dict]:
    """Per endpoint: the median over rounds of req/s, p50, p99, CPU ms and ratio; failures summed."""
    out = {}
    for e in ENDPOINTS:
        runs = [r[e] for r in rounds]
        out[e] = {k: statistics.median(run[k] for run in runs)
                  for k in ("requests_per_second", "latency_p50_ms", "latency_p99_ms", "ratio_to_healthz",
                            "cpu_ms_per_request")}
        out[e]["failures"] = sum(run["failures"] for run in runs)
        if e == "bookings":
            out[e]["conflicts"] = sum(run["conflicts"] for run in runs)
    return out


def markdown(backend: str, table: dict[str, dict]) -> str:
    lines = ["| backend | endpoint | req/s | p50 / p99 ms | CPU ms / request | ratio to /healthz | target | "
             "failures |", "|---|---|---|---|---|---|---|---|"]
    for e, s in table.items():
        target = TARGETS.get(e)
        verdict = "" if target is None else f">= {target} {'met' if s['ratio_to_healthz'] >= target else 'NOT met'}"
        lines.append(f"| {backend} | {LABELS[e]} | {s['requests_per_second']:,.0f} | {s['latency_p50_ms']:.1f} / "
                     f"{s['latency_p99_ms']:.1f} | {s['cpu_ms_per_request']:.2f} | {s['ratio_to_healthz']:.2f} | "
                     f"{verdict} | {s['failures']} |")
    return "\n".join(lines)


def run_backend(backend: str, args) -> dict:
    """Seed, serve and measure one backend; its rounds and their medians."""
    global cpu
    with temporary_database(backend, "endpoints") as url, tempfile.TemporaryDirectory(prefix="bench-ep-") as tmp:
        folder = Path(tmp)
        app = make_app(url)
        print(f"[{backend}] " + seed(url, args.clinics, folder), flush=True)
        booking_bodies, bench_clinic_id = prepare(app)
        files = write_paths(app, folder, bench_clinic_id)
        with app.app_context():
            db.engine.dispose()
        bodies = Bodies(booking_bodies, folder, args.threads, args.connections)
        print(f"[{backend}] {len(booking_bodies):,} distinct free slots for bookings", flush=True)
        with Server(url, args.workers, folder / "gunicorn.log") as server:
            cpu = ServerCpu(server, url)
            check_paths(server.url, files)
            load_before = os.getloadavg()[0]
            rounds = measure(server, args, files, bodies)
            load_after = os.getloadavg()[0]
    return {"rounds": rounds, "median": summary(rounds), "load_average_1min": [load_before, load_after]}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--backends", default="postgresql,sqlite", help="comma-separated: postgresql, sqlite")
    parser.add_argument("--clinics", type=int, default=10_000, help="synthetic clinics added by seed-demo")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--duration", type=int, default=8, help="seconds per wrk run")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args(argv)
    require_wrk()
    results = {backend: run_backend(backend, args) for backend in args.backends.split(",")}
    print()
    for backend, result in results.items():
        print(markdown(backend, result["median"]))
        before, after = result["load_average_1min"]
        print(f"\n- {backend}: median of {args.rounds} rounds; wrk -t{args.threads} -c{args.connections} "
              f"-d{args.duration}s per endpoint per round, gunicorn -w {args.workers} (sync), {os.cpu_count()} CPUs "
              f"shared with wrk; 1-minute load average {before:.1f} before, {after:.1f} after; "
              f"booking 409s: {result['median']['bookings']['conflicts']}\n")
    path = write_results("endpoints-wrk", {"machine": machine(), "settings": vars(args), "backends": results})
    print(f"JSON: {path.relative_to(REPO_ROOT)}")
    return 0 if all(s["failures"] == 0 for r in results.values() for s in r["median"].values()) else 1


if __name__ == "__main__":
    sys.exit(main())
