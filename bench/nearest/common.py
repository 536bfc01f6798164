"""Shared set-up for the nearest-clinic benchmarks: throwaway databases, query points, results.

Importing this module puts the repository root on ``sys.path``, so the scripts beside it run
as ``.venv/bin/python bench/nearest/<script>.py`` from the repository root.
"""

from __future__ import annotations

import json
import math
import os
import platform
import random
import re
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
RESULTS_DIR = REPO_ROOT / "bench" / "results"
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

PG_ADMIN_URL = os.environ.get("BENCH_PG_ADMIN_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
BACKENDS = ("sqlite", "postgresql")

# Query points: uniform over these boxes (south, north, west, east), with a fixed seed.
CONTIGUOUS_US = (24.5, 49.0, -124.7, -67.0)
ALASKA = (58.0, 66.0, -162.0, -142.0)
HAWAII = (19.0, 22.2, -160.2, -154.8)
POINT_SEED = 20260101
# "Over the US": a point counts when its CELL_DEGREES square holds at least one ZIP centre.
CELL_DEGREES = 0.5


def query_points(count: int, seed: int = POINT_SEED, over: str = "land") -> list[tuple[float, float]]:
    """``count`` (latitude, longitude) points in a fixed shuffled order: about 95% over the
    contiguous US, the rest split between Alaska and Hawaii.

    ``over="land"`` keeps only points whose half-degree square holds a ZIP centre (the US and a
    margin of coast and border); ``over="box"`` takes the whole boxes, open ocean included.
    """
    rng = random.Random(seed)
    cells = _zip_cells() if over == "land" else None
    outlying = max(2, count // 20)
    boxes = [ALASKA if i % 2 else HAWAII for i in range(outlying)] + [CONTIGUOUS_US] * (count - outlying)
    points = [_point_in(box, rng, cells) for box in boxes]
    rng.shuffle(points)
    return points


def _point_in(box, rng: random.Random, cells: set | None) -> tuple[float, float]:
    south, north, west, east = box
    while True:
        point = (round(rng.uniform(south, north), 5), round(rng.uniform(west, east), 5))
        if cells is None or _cell(*point) in cells:
            return point


def _cell(latitude: float, longitude: float) -> tuple[int, int]:
    return math.floor(latitude / CELL_DEGREES), math.floor(longitude / CELL_DEGREES)


def _zip_cells() -> set[tuple[int, int]]:
    from clinic_app.geo.geocoding import all_zip_locations

    return {_cell(z.latitude, z.longitude) for z in all_zip_locations()}


def postgres_available() -> bool:
    """True when the local PostgreSQL server accepts the admin connection."""
    import psycopg

    try:
        with psycopg.connect(PG_ADMIN_URL, connect_timeout=3):
            return True
    except psycopg.OperationalError:
        return False


@contextmanager
def temporary_database(backend: str, bench: str = "nearest") -> Iterator[str]:
    """A DATABASE_URL for an empty database that is removed on exit, whatever happens; ``bench``
    names it (bench_<bench>_...), so a left-over database says which benchmark made it."""
    if backend == "sqlite":
        with tempfile.TemporaryDirectory(prefix=f"bench-{bench}-") as folder:
            yield f"sqlite:///{folder}/bench.db"
        return
    name = f"bench_{bench}_{os.getpid()}_{int(time.time())}"
    _postgres_admin(f"CREATE DATABASE {name}", name)
    try:
        yield PG_ADMIN_URL.rsplit("/", 1)[0] + "/" + name
    finally:
        _postgres_admin(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)", name)


def _postgres_admin(statement: str, name: str) -> None:
    import psycopg

    if not re.fullmatch(r"[a-z0-9_]+", name):
        raise ValueError(f"refusing odd database name {name!r}")
    with psycopg.connect(PG_ADMIN_URL, autocommit=True, connect_timeout=5) as conn:
        conn.execute(statement)


def make_app(database_url: str):
    """The app in its testing configuration on ``database_url``, with every table created."""
    from clinic_app import create_app
    from clinic_app.extensions import db

    app = create_app("testing", {"DATABASE_URL": database_url, "RATELIMIT_ENABLED": False})
    with app.app_context():
        db.create_all()
    return app


def grow_network(size: int) -> float:
    """Add synthetic clinics until there are ``size`` (same seed, so each size extends the last);
    refresh planner statistics on PostgreSQL. Needs an app context. Returns the seconds taken."""
    from sqlalchemy import text

    from clinic_app.demo.seed import seed_synthetic_network
    from clinic_app.extensions import db

    started = time.perf_counter()
    seed_synthetic_network(size)
    db.session.commit()
    if db.engine.dialect.name == "postgresql":
        db.session.execute(text("ANALYZE clinics"))
        db.session.commit()
    return time.perf_counter() - started


def percentile(values: list[float], fraction: float) -> float:
    """Nearest-rank percentile (``fraction`` 0.5 is the median, 0.95 the p95)."""
    ordered = sorted(values)
    return ordered[max(1, math.ceil(fraction * len(ordered))) - 1]


def machine() -> dict:
    """What the figures were measured on."""
    import sqlalchemy

    return {
        "date_utc": datetime.now(UTC).strftime("%Y-%m-%d %H:%M"),
        "cpus": os.cpu_count(),
        "cpu_model": _cpu_model(),
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
        "sqlalchemy": sqlalchemy.__version__,
        "platform": platform.platform(),
        "git_commit": _git("rev-parse", "--short", "HEAD"),
        "work_tree_modified": bool(_git("status", "--porcelain", "--untracked-files=no")),
    }


def _git(*args: str) -> str:
    """Read-only git queries, for the record of what was measured."""
    try:
        done = subprocess.run(["git", *args], cwd=REPO_ROOT, capture_output=True, text=True, timeout=10, check=False)  # noqa: S603, S607
    except OSError:
        return ""
    return done.stdout.strip()


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor()


def write_results(name: str, payload: dict) -> Path:
    """Write ``payload`` as JSON to bench/results/<name>-<UTC time>.json (gitignored)."""
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    path = RESULTS_DIR / f"{name}-{datetime.now(UTC).strftime('%Y%m%dT%H%M%SZ')}.json"
    path.write_text(json.dumps(payload, indent=2) + "\n")
    return path
