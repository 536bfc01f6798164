"""How the head-office "Open" action scales with the number of nearby opening-alert sign-ups.

Times ``advance_rollout`` from soft opening to open (the service call the "Open" button makes,
with its commit) for a clinic with N sign-ups within 40 miles, against the same call with no
sign-up at all, in a throwaway database; reports the ratio of the medians. Then, when the code
has one, times the notification worker's pass that turns the claimed announcements into
e-mails, and checks every nearby sign-up got exactly one.

    .venv/bin/python bench/opening/run.py [--signups 5000] [--rounds 5] [--backend sqlite|postgresql|both]
"""

from __future__ import annotations

import argparse
import math
import random
import secrets
import statistics
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from bench.nearest.common import machine, make_app, postgres_available, temporary_database, write_results  # noqa: E402

NOW = datetime(2026, 3, 3, 15, 0, tzinfo=UTC)
OMAHA = (41.2587, -95.9378)  # the clinic's ZIP centre (68102)
SEED = 20260303


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--signups", type=int, default=5000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--backend", choices=("sqlite", "postgresql", "both"), default="sqlite")
    args = parser.parse_args()
    backends = ["sqlite", "postgresql"] if args.backend == "both" else [args.backend]
    results = {"machine": machine(), "signups": args.signups, "rounds": args.rounds, "backends": {}}
    for backend in backends:
        if backend == "postgresql" and not postgres_available():
            print("postgresql: server not answering, skipped")
            continue
        with temporary_database(backend, "opening") as url:
            results["backends"][backend] = measure(make_app(url), args.signups, args.rounds)
        report(backend, results["backends"][backend])
    print("results:", write_results("opening", results))
    return 0


def measure(app, signups: int, rounds: int) -> dict:
    """Alternate rounds with 0 and with ``signups`` sign-ups (one new clinic each), timing the
    opening; a warm-up opening first, untimed."""
    with app.app_context():
        open_one(0)
        baseline, loaded, worker = [], [], []
        for _ in range(rounds):
            baseline.append(open_one(0)["open_seconds"])
            timed = open_one(signups)
            loaded.append(timed["open_seconds"])
            worker.append(timed["worker_seconds"])
    return {
        "baseline_ms": [round(s * 1000, 2) for s in baseline],
        "loaded_ms": [round(s * 1000, 2) for s in loaded],
        "worker_ms": [round(s * 1000, 2) for s in worker],
        "ratio_of_medians": round(statistics.median(loaded) / statistics.median(baseline), 2),
    }


def open_one(signups: int) -> dict:
    """A ready clinic in soft opening with ``signups`` fresh sign-ups around it; open it, time
    it, run the worker's queueing step, check each sign-up has one opening e-mail."""
    from clinic_app.extensions import db
    from clinic_app.rollout.service import advance_rollout

    rollout_id = make_ready_rollout()
    first_signup = add_signups(signups)
    db.session.commit()
    db.session.remove()
    started = time.perf_counter()
    opened = advance_rollout(rollout_id, "soft_opening", NOW, 50)
    db.session.commit()
    open_seconds = time.perf_counter() - started
    db.session.remove()
    worker_seconds = run_worker_step()
    check_each_told_once(first_signup, signups, opened.announced)
    return {"open_seconds": open_seconds, "worker_seconds": worker_seconds}


def make_ready_rollout() -> int:
    from clinic_app.extensions import db
    from clinic_app.rollout.models import ClinicRollout, RolloutStage
    from tests.factories import make_clinic, make_practitioner, make_service

    clinic = make_clinic(status="coming_soon", city="Omaha", state="NE", zip_code="68102")
    rollout = ClinicRollout(clinic=clinic, stage=RolloutStage.SOFT_OPENING)
    db.session.add(rollout)
    db.session.commit()
    make_practitioner(clinic, services=[make_service(clinics=[clinic])])
    return rollout.id


def add_signups(count: int) -> int:
    """``count`` sign-ups spread uniformly over a 40-mile disc round the clinic (one bulk
    insert); returns the first new id."""
    from sqlalchemy import func, insert, select

    from clinic_app.demand.models import OpeningAlertSignup
    from clinic_app.extensions import db

    first = (db.session.scalar(select(func.max(OpeningAlertSignup.id))) or 0) + 1
    if count:
        rng = random.Random(SEED + first)
        db.session.execute(insert(OpeningAlertSignup), [row(first + n, rng) for n in range(count)])
    return first


def row(n: int, rng: random.Random) -> dict:
    miles, bearing = 40 * math.sqrt(rng.random()), rng.uniform(0, 2 * math.pi)
    lat = OMAHA[0] + miles * math.cos(bearing) / 69.0
    lng = OMAHA[1] + miles * math.sin(bearing) / (69.0 * math.cos(math.radians(OMAHA[0])))
    return {"email": f"bench{n}@example.com", "zip_code": "68102", "latitude": lat, "longitude": lng,
            "consented_at": NOW, "unsubscribe_token": secrets.token_urlsafe(32)}


def run_worker_step() -> float:
    """The worker's step that renders the opening e-mails, when the code has one (else 0)."""
    try:
        from clinic_app.rollout.announcements import queue_opening_emails  # noqa: F401
    except ImportError:
        return 0.0
    from clinic_app.extensions import db
    from clinic_app.notifications.cli import send_due

    started = time.perf_counter()
    send_due(NOW)  # the testing configuration sends nothing: this is the queueing
    seconds = time.perf_counter() - started
    db.session.remove()
    return seconds


def check_each_told_once(first_signup: int, count: int, announced: int) -> None:
    """Every sign-up so far lies near the same spot: each has exactly one opening e-mail."""
    from sqlalchemy import func, select

    from clinic_app.demand.models import OpeningAlertSignup
    from clinic_app.extensions import db
    from clinic_app.notifications.models import OutboxMessage

    assert announced == count, (announced, count)
    opened = OutboxMessage.idempotency_key.like("clinic-opened:%")
    messages, people = db.session.execute(
        select(func.count(), func.count(func.distinct(OutboxMessage.recipient))).where(opened)
    ).one()
    signups = db.session.scalar(select(func.count()).select_from(OpeningAlertSignup))
    assert messages == people == signups, (messages, people, signups)
    db.session.remove()


def report(backend: str, figures: dict) -> None:
    print(f"{backend}: open with 0 sign-ups, median {statistics.median(figures['baseline_ms']):.1f} ms "
          f"{figures['baseline_ms']}")
    print(f"{backend}: open with N sign-ups, median {statistics.median(figures['loaded_ms']):.1f} ms "
          f"{figures['loaded_ms']}")
    print(f"{backend}: ratio (N / 0) of medians: {figures['ratio_of_medians']}")
    print(f"{backend}: worker step rendering the e-mails, median {statistics.median(figures['worker_ms']):.1f} ms")


if __name__ == "__main__":
    sys.exit(main())
