"""The short in-process reproduction of the SIGSEGV under CPython 3.11 (bench/soak/REPRODUCTION.md;
with SQLAlchemy 2.1.9's compiled modules it crashes every run on 3.11, never on 3.12): each
request through the Flask test client, each in a thread of its own, against a seeded database.
Exit status 0 when the process survived; a crash kills it (status 139, "Fatal Python error:
Segmentation fault").

    DATABASE_URL=sqlite:////tmp/x.db .venv/bin/flask --app wsgi db upgrade
    DATABASE_URL=sqlite:////tmp/x.db .venv/bin/flask --app wsgi seed-demo
    DATABASE_URL=sqlite:////tmp/x.db PYTHONFAULTHANDLER=1 .venv/bin/python bench/soak/reproduce_crash.py [ROUNDS]
"""

from __future__ import annotations

import os
import sys
import threading
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
os.environ.setdefault("RATELIMIT_ENABLED", "false")

from wsgi import app  # noqa: E402

PATHS = ["/", "/clinics", "/api/v1/clinics", "/", "/clinics", "/api/v1/clinics", "/headoffice/",
         "/clinics/nearest?q=10001"]


def get_in_a_thread_of_its_own(path: str) -> int:
    answers: list[int] = []
    thread = threading.Thread(target=lambda: answers.append(app.test_client().get(path).status_code))
    thread.start()
    thread.join()
    return answers[0]


def main(rounds: int) -> None:
    import sqlalchemy

    try:  # the module's name in 2.1, then in 2.0
        from sqlalchemy.util._has_cython import HAS_CYEXTENSION
    except ImportError:
        from sqlalchemy.util._has_cy import HAS_CYEXTENSION
    print(f"SQLAlchemy {sqlalchemy.__version__}, compiled extensions: {HAS_CYEXTENSION}", flush=True)
    for number in range(rounds):
        for path in PATHS:
            print(number, path, get_in_a_thread_of_its_own(path), flush=True)
    print("survived")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 3)
