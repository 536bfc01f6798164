"""Throwaway databases and the record of what was measured, for the availability benchmarks.

SQLite by default; PostgreSQL when ``--backend postgresql`` is given or DATABASE_URL names a
PostgreSQL server. Either way the benchmark makes its own empty database (a temporary SQLite
file, or ``bench_availability_*`` on that server) and removes it at the end, also on failure.
"""

from __future__ import annotations

import os
import re
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager

from bench.nearest.common import machine, make_app, percentile, write_results

__all__ = ["machine", "make_app", "percentile", "write_results", "default_backend", "temporary_database",
           "require_wrk"]

WRK_MISSING = """wrk (the HTTP load generator) is not installed, and this benchmark needs it.
Install it, then run the benchmark again:
    Debian / Ubuntu:  sudo apt-get install wrk
    Fedora:           sudo dnf install wrk
    macOS:            brew install wrk
    from source:      git clone https://github.com/wg/wrk && make -C wrk && cp wrk/wrk /usr/local/bin/"""


def require_wrk() -> None:
    """Stop with the install instructions (exit status 2), not a traceback, when wrk is missing."""
    import shutil
    import sys

    if shutil.which("wrk") is None:
        print(WRK_MISSING, file=sys.stderr)
        raise SystemExit(2)

DEFAULT_PG_ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/postgres"


def default_backend() -> str:
    return "postgresql" if os.environ.get("DATABASE_URL", "").startswith("postgresql") else "sqlite"


def pg_admin_url() -> str:
    """The maintenance database on the server DATABASE_URL names (or the local default)."""
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgresql"):
        return os.environ.get("BENCH_PG_ADMIN_URL", DEFAULT_PG_ADMIN_URL)
    return url.split("?", 1)[0].rsplit("/", 1)[0] + "/postgres"


@contextmanager
def temporary_database(backend: str, label: str) -> Iterator[str]:
    """A URL for an empty database that is removed on exit, whatever happens."""
    if backend == "sqlite":
        with tempfile.TemporaryDirectory(prefix=f"bench-availability-{label}-") as folder:
            yield f"sqlite:///{folder}/bench.db"
        return
    name = f"bench_availability_{label}_{os.getpid()}_{int(time.time())}"
    admin = pg_admin_url()
    _postgres_admin(admin, f"CREATE DATABASE {name}", name)
    try:
        yield admin.rsplit("/", 1)[0] + "/" + name
    finally:
        _postgres_admin(admin, f"DROP DATABASE IF EXISTS {name} WITH (FORCE)", name)


def _postgres_admin(admin_url: str, statement: str, name: str) -> None:
    import psycopg

    if not re.fullmatch(r"[a-z0-9_]+", name):
        raise ValueError(f"refusing odd database name {name!r}")
    with psycopg.connect(admin_url.replace("postgresql+psycopg://", "postgresql://"), autocommit=True,
                         connect_timeout=5) as conn:
        conn.execute(statement)
