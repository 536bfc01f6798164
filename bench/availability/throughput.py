"""Bookings per second through POST /api/v1/bookings, against GET /healthz in the same run.

gunicorn with 2 sync workers (default development settings, rate limits and mail off) on a fresh
PostgreSQL database (created here, dropped at the end) holding the benchmark clinic of
bench/availability/data.py: 10 practitioners, weekdays and Saturday mornings. Before the server
starts, the free follow-up slots (30 minutes) of the coming weeks are listed with ``free_slots``
and thinned so that none overlaps another of the same practitioner; each request books one of
them (with its practitioner) for a patient of its own, so every request should answer 201.

Each round runs wrk on /healthz, then on the bookings (bookings.lua), DURATION seconds each.
Afterwards the same booking is made in-process through the service (``book_appointment`` and a
commit, one at a time, no HTTP): a second baseline, for where the time goes.

    .venv/bin/python -m bench.availability.throughput [--rounds 2] [--duration 10]

Exits 1 when a booking request failed (non-2xx or a socket error) or the database holds fewer
bookings than wrk counted. There is no target ratio in the brief; the figures are reported.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import socket
import subprocess
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

from sqlalchemy import func, select

from bench.availability import data
from bench.availability.common import machine, make_app, require_wrk, temporary_database, write_results
from clinic_app.clinics.models import Clinic
from clinic_app.clock import utcnow
from clinic_app.extensions import db
from clinic_app.patients.service import PatientDetails
from clinic_app.scheduling.availability import free_slots
from clinic_app.scheduling.booking import BookingRequest, book_appointment
from clinic_app.scheduling.models import Booking, Service

HERE = Path(__file__).resolve().parent
REPO_ROOT = HERE.parents[1]
VENV = REPO_ROOT / ".venv" / "bin"
SLOT_DAYS = 85
UNITS_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}


def prepare(app) -> tuple[list[dict], int]:
    """Seed the clinic; return one request body per distinct free slot, and the clinic id."""
    with app.app_context():
        clinic = data.build_clinic()
        service = db.session.get(Service, clinic.follow_up_id)
        now = utcnow()
        first_day = (now + timedelta(days=1)).date()
        slots = free_slots(db.session.get(Clinic, clinic.clinic_id), service, first_day, SLOT_DAYS, now)
        bodies = [_body(n, clinic.clinic_id, service.slug, slot) for n, slot in enumerate(_not_overlapping(slots))]
        db.session.remove()
    return bodies, clinic.clinic_id


def _not_overlapping(slots):
    """Per practitioner, keep a slot only when it starts after the last kept one ends."""
    last_end = {}
    for slot in slots:
        if slot.start >= last_end.get(slot.practitioner_id, slot.start):
            last_end[slot.practitioner_id] = slot.end
            yield slot


def _body(n: int, clinic_id: int, service_slug: str, slot) -> dict:
    return {
        "clinic_id": clinic_id, "service": service_slug, "start": slot.start.isoformat(),
        "practitioner_id": slot.practitioner_id, "new_patient": True, "consent": True,
        "patient": {"first_name": "Load", "last_name": f"Test {n}", "email": f"load-{n}@example.com",
                    "phone": "(555) 010-0199", "date_of_birth": "1980-04-25"},
    }


class Server:
    """gunicorn -w WORKERS on a free port, stopped (its pid only) on exit."""

    def __init__(self, database_url: str, workers: int, log: Path):
        self.port = _free_port()
        env = {**os.environ, "DATABASE_URL": database_url, "RATELIMIT_ENABLED": "false", "MAIL_ENABLED": "false"}
        for name in ("APP_ENV", "FLASK_DEBUG"):
            env.pop(name, None)
        self.log = log.open("w")
        self.process = subprocess.Popen(  # noqa: S603
            [str(VENV / "gunicorn"), "-w", str(workers), "-b", f"127.0.0.1:{self.port}", "--log-level", "warning",
             "wsgi:app"], cwd=REPO_ROOT, env=env, stdout=self.log, stderr=subprocess.STDOUT,
        )

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def __enter__(self):
        import urllib.request

        for _ in range(60):
            try:
                with urllib.request.urlopen(self.url + "/healthz", timeout=2) as answer:  # noqa: S310
                    if answer.status == 200:
                        return self
            except OSError:
                if self.process.poll() is not None:
                    break
                time.sleep(0.5)
        raise RuntimeError("gunicorn did not become healthy; see " + self.log.name)

    def __exit__(self, *exc):
        self.process.terminate()
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
        self.log.close()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def run_wrk(url: str, seconds: float, threads: int, connections: int, lua: Path | None = None,
            env: dict | None = None) -> dict:
    command = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{seconds}s", "--timeout", "10s", "--latency"]
    command += ["-s", str(lua)] if lua else []
    done = subprocess.run([*command, url], capture_output=True, text=True, timeout=seconds + 60,  # noqa: S603
                          env={**os.environ, **(env or {})}, check=False)
    if done.returncode != 0 or "Requests/sec" not in done.stdout:
        raise RuntimeError(f"wrk failed: {done.stdout}\n{done.stderr}")
    return parse_wrk(done.stdout)


def parse_wrk(text: str) -> dict:
    requests = re.search(r"^\s*(\d+) requests in ([\d.]+)(\w+)", text, re.M)
    errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", text)
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", text)
    return {
        "requests_per_second": float(re.search(r"Requests/sec:\s+([\d.]+)", text).group(1)),
        "requests": int(requests.group(1)),
        "latency_p50_ms": _latency(text, "50%"),
        "latency_p99_ms": _latency(text, "99%"),
        "non_2xx_or_3xx": int(non_2xx.group(1)) if non_2xx else 0,
        "socket_errors": sum(map(int, errors.groups())) if errors else 0,
    }


def _latency(text: str, label: str) -> float:
    value, unit = re.search(rf"^\s*{label}\s+([\d.]+)(us|ms|s|m)\s*$", text, re.M).groups()
    return float(value) * UNITS_MS[unit]


class Bodies:
    """The request bodies in a file for bookings.lua, and which of them a run may still use."""

    def __init__(self, bodies: list[dict], folder: Path, threads: int, connections: int):
        self.path = folder / "bodies.jsonl"
        self.path.write_text("".join(json.dumps(b) + "\n" for b in bodies))
        self.count, self.offset, self.threads, self.connections = len(bodies), 0, threads, connections

    def env(self) -> dict:
        return {"BODIES_FILE": str(self.path), "BODIES_OFFSET": str(self.offset), "WRK_THREADS": str(self.threads)}

    def used(self, completed: int) -> None:
        """Move past every body the last run may have sent: up to ``completed`` plus the
        requests in flight at the end, all from one thread in the worst case."""
        self.offset += self.threads * (completed + self.connections)


def http_rounds(server: Server, bodies: Bodies, args) -> list[dict]:
    lua = HERE / "bookings.lua"
    run_wrk(server.url + "/healthz", 2, args.threads, args.connections)
    warm = run_wrk(server.url, 2, args.threads, args.connections, lua, bodies.env())
    bodies.used(warm["requests"])
    rounds = []
    for number in range(1, args.rounds + 1):
        healthz = run_wrk(server.url + "/healthz", args.duration, args.threads, args.connections)
        booking = run_wrk(server.url, args.duration, args.threads, args.connections, lua, bodies.env())
        bodies.used(booking["requests"])
        rounds.append({"round": number, "healthz": healthz, "bookings": booking,
                       "ratio": booking["requests_per_second"] / healthz["requests_per_second"]})
        print(f"round {number}: healthz {healthz['requests_per_second']:,.0f}/s, "
              f"bookings {booking['requests_per_second']:,.1f}/s", flush=True)
    return rounds, warm


def in_process(app, bodies: list[dict], count: int) -> dict:
    """Book ``count`` of the remaining slots through the service, one after another."""
    timings = []
    with app.app_context():
        for body in bodies[:count]:
            patient = body["patient"]
            request = BookingRequest(
                body["clinic_id"], body["service"], _parse(body["start"]),
                PatientDetails(patient["first_name"], patient["last_name"], patient["email"], patient["phone"],
                               _date(patient["date_of_birth"])),
                practitioner_id=body["practitioner_id"], source="api",
            )
            started = time.perf_counter()
            book_appointment(request, utcnow())
            db.session.commit()
            timings.append(time.perf_counter() - started)
            db.session.remove()
    return {"bookings": len(timings), "bookings_per_second": len(timings) / sum(timings),
            "mean_ms": 1000 * sum(timings) / len(timings)}


def _parse(value: str):
    from datetime import datetime

    return datetime.fromisoformat(value)


def _date(value: str):
    from datetime import date

    return date.fromisoformat(value)


def count_bookings(app) -> int:
    with app.app_context():
        total = db.session.scalar(select(func.count()).select_from(Booking))
        db.session.remove()
    return total


def report(rounds: list[dict], process: dict, facts: dict) -> str:
    lines = ["| round | /healthz req/s | p50 / p99 ms | bookings/s | p50 / p99 ms | bookings / healthz |",
             "|---|---|---|---|---|---|"]
    for r in rounds:
        h, b = r["healthz"], r["bookings"]
        lines.append(f"| {r['round']} | {h['requests_per_second']:,.0f} | {h['latency_p50_ms']:.1f} / "
                     f"{h['latency_p99_ms']:.1f} | {b['requests_per_second']:,.1f} | {b['latency_p50_ms']:.1f} / "
                     f"{b['latency_p99_ms']:.1f} | {r['ratio']:.3f} |")
    lines += ["", f"- in-process, one at a time (book_appointment + commit, no HTTP): "
              f"{process['bookings_per_second']:.1f} bookings/s ({process['mean_ms']:.1f} ms each, "
              f"{process['bookings']} bookings)",
              f"- bookings in the database after the HTTP runs: {facts['bookings_after_http']:,}; "
              f"201s counted by wrk: {facts['created_by_wrk']:,}; failed requests: {facts['failures']}",
              f"- distinct slots prepared: {facts['slots']:,}; 1-minute load average before / after: "
              f"{facts['load_average_1min'][0]:.1f} / {facts['load_average_1min'][1]:.1f} ({os.cpu_count()} CPUs)"]
    return "\n".join(lines)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--duration", type=int, default=10, help="seconds per wrk run")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--in-process", type=int, default=200, help="bookings made in-process afterwards")
    args = parser.parse_args(argv)
    require_wrk()
    load_before = os.getloadavg()[0]
    with temporary_database("postgresql", "http") as url, tempfile.TemporaryDirectory(prefix="bench-http-") as tmp:
        app = make_app(url)
        bodies, _ = prepare(app)
        print(f"{len(bodies):,} distinct free slots prepared", flush=True)
        feed = Bodies(bodies, Path(tmp), args.threads, args.connections)
        with Server(url, args.workers, Path(tmp) / "gunicorn.log") as server:
            print(f"gunicorn -w {args.workers} on {server.url}", flush=True)
            rounds, warm = http_rounds(server, feed, args)
        booked = count_bookings(app)
        created = sum(r["bookings"]["requests"] - r["bookings"]["non_2xx_or_3xx"] for r in rounds) \
            + warm["requests"] - warm["non_2xx_or_3xx"]
        failures = sum(r["bookings"]["non_2xx_or_3xx"] + r["bookings"]["socket_errors"] for r in rounds)
        if feed.offset + args.in_process > feed.count:
            raise RuntimeError("not enough distinct slots left for the in-process run")
        process = in_process(app, bodies[feed.offset:], args.in_process)
        with app.app_context():
            db.engine.dispose()
    facts = {"slots": len(bodies), "bookings_after_http": booked, "created_by_wrk": created, "failures": failures,
             "load_average_1min": [load_before, os.getloadavg()[0]]}
    print()
    print(report(rounds, process, facts))
    path = write_results("availability-throughput", {
        "machine": machine(), "settings": vars(args), "rounds": rounds, "in_process": process, "facts": facts,
    })
    print(f"\nJSON: {path.relative_to(path.parents[2])}")
    return 0 if failures == 0 and booked >= created else 1


if __name__ == "__main__":
    sys.exit(main())
