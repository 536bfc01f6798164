"""How long /register takes to answer for a taken address, as a ratio of a new one, with the
production password hash (scrypt): the answer must not tell them apart (README, "Registration
tells nobody whether an address has an account").

Interleaves ROUNDS registrations of new addresses with ROUNDS of one taken address through the
Flask test client, on SQLite and on PostgreSQL (skipped with a note when it does not answer),
and prints the median of each and their ratio. Exits 1 when a ratio is outside 0.8-1.25.

    .venv/bin/python bench/registration/timing.py [--rounds 40]
"""

from __future__ import annotations

import argparse
import re
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from bench.nearest.common import postgres_available, temporary_database  # noqa: E402

PASSWORD = "a quiet river at dawn"  # noqa: S105 - a synthetic account's, for timing only
TOKEN = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')
LOW, HIGH = 0.8, 1.25


def measure(database_url: str, rounds: int) -> tuple[float, float]:
    """Median seconds for a new and for a taken address."""
    from clinic_app import create_app
    from clinic_app.accounts.service import NewAccount, create_account
    from clinic_app.extensions import db

    app = create_app("testing", {"DATABASE_URL": database_url, "RATELIMIT_ENABLED": False,
                                 "PASSWORD_HASH_METHOD": "scrypt"})
    with app.app_context():
        db.create_all()
        create_account(NewAccount("owner@example.com", "Olive Owner", PASSWORD))
        db.session.commit()
    client = app.test_client()
    token = TOKEN.search(client.get("/register").get_data(as_text=True))[1]
    timings: dict[str, list[float]] = {"new": [], "taken": []}
    for n in range(rounds):
        for kind, email in (("new", f"new{n}@example.com"), ("taken", "owner@example.com")):
            form = {"full_name": "Sam Rivers", "email": email, "date_of_birth": "1984-03-09",
                    "password": PASSWORD, "confirm": PASSWORD, "csrf_token": token}
            started = time.perf_counter()
            response = client.post("/register", data=form)
            timings[kind].append(time.perf_counter() - started)
            assert response.status_code == 302, (kind, response.status_code)
    with app.app_context():
        db.drop_all()
        db.engine.dispose()
    return statistics.median(timings["new"]), statistics.median(timings["taken"])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=40)
    rounds = parser.parse_args().rounds
    failed = False
    for backend in ("sqlite", "postgresql"):
        if backend == "postgresql" and not postgres_available():
            print("postgresql: server not answering, skipped")
            continue
        with temporary_database(backend, "registration") as url:
            new, taken = measure(url, rounds)
        ratio = taken / new
        failed |= not LOW <= ratio <= HIGH
        print(f"{backend}: new {new * 1000:.1f} ms, taken {taken * 1000:.1f} ms (medians of {rounds}), "
              f"taken/new {ratio:.2f}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
