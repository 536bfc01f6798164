"""The app under real server processes (gunicorn, and Flask's development server), for the tests
that need more than the test client: concurrency between workers, an outage under a running
server, several servers behind one load balancer, a crash only a real server shows. Loading the
app can take half a minute on a busy CI machine: the worker timeout and the wait for /healthz
allow for it."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from tests import pgdb
from tests.conftest import TEST_DATABASE_URL, _free_port

ROOT = Path(__file__).resolve().parent.parent
STARTUP_SECONDS = 120
# What a server's log shows when a process or worker died or was replaced: a segmentation fault
# (faulthandler's report, gunicorn's "was sent SIGSEGV!"), an exit, a timeout, an unhandled error.
CRASH = re.compile(r"Fatal Python error|Segmentation fault|SIGSEGV|was sent|exited with code|WORKER TIMEOUT|Traceback")


def start_gunicorn(env: dict[str, str], *options: str, stderr=None) -> tuple[str, subprocess.Popen]:
    """A gunicorn serving wsgi:app on a free local port, with ``env`` over this process's
    environment and ``options`` (workers, threads, config) on its command line: (url, process)."""
    port = _free_port()
    command = [sys.executable, "-m", "gunicorn", "--timeout", "120", "--log-level", "warning", *options,
               "--bind", f"127.0.0.1:{port}", "wsgi:app"]
    server = subprocess.Popen(  # noqa: S603 - our own interpreter and app
        command, cwd=ROOT, env={**os.environ, **env}, stderr=stderr
    )
    return f"http://127.0.0.1:{port}", server


def wait_until_up(url: str, server: subprocess.Popen, seconds: float = STARTUP_SECONDS) -> None:
    """Return once /healthz answers; fail if gunicorn exits first or takes longer than ``seconds``."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError("gunicorn exited before serving")
        try:
            with urllib.request.urlopen(f"{url}/healthz", timeout=2):  # noqa: S310 - local test server
                return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"gunicorn did not start within {seconds} s")


def stop(server: subprocess.Popen) -> None:
    """Stop gunicorn as a deployment would (SIGTERM), killing it if it does not stop in time."""
    server.terminate()
    try:
        server.wait(timeout=60)
    except subprocess.TimeoutExpired:
        server.kill()
        server.wait()


@contextmanager
def gunicorn(env: dict[str, str], *options: str, stderr=None) -> Iterator[str]:
    """One gunicorn for the ``with`` block, serving once it yields its URL; stopped afterwards."""
    url, server = start_gunicorn(env, *options, stderr=stderr)
    try:
        wait_until_up(url, server)
        yield url
    finally:
        stop(server)


def start_flask_run(env: dict[str, str], *options: str, stderr=None) -> tuple[str, subprocess.Popen]:
    """Flask's development server (``flask run``, without reloader or debugger) on a free local
    port, with ``env`` over this process's environment: (url, process)."""
    port = _free_port()
    command = [sys.executable, "-m", "flask", "--app", "wsgi", "run", "--host", "127.0.0.1", "--port", str(port),
               "--no-reload", "--no-debugger", *options]
    server = subprocess.Popen(command, cwd=ROOT, env={**os.environ, **env}, stderr=stderr)  # noqa: S603
    return f"http://127.0.0.1:{port}", server


@contextmanager
def seeded_database(folder: Path) -> Iterator[str]:
    """A fresh database holding the demo data, made as an operator makes one (``flask db
    upgrade``, ``flask seed-demo``): a SQLite file in ``folder``, or, when the suite runs on
    PostgreSQL, a database of its own on that server, dropped afterwards. Its URL."""
    if not TEST_DATABASE_URL:
        yield seed_demo(f"sqlite:///{folder / 'seeded.db'}")
        return
    server, name = TEST_DATABASE_URL.rsplit("/", 1)
    admin, name = f"{server}/postgres", f"{name}_seeded"
    pgdb.main("create", admin, name)
    try:
        yield seed_demo(f"{server}/{name}")
    finally:
        pgdb.main("drop", admin, name)


def seed_demo(url: str) -> str:
    """The database at ``url`` migrated and loaded with the demo data through the CLI; its URL."""
    env = {**os.environ, "DATABASE_URL": url, "APP_ENV": "development", "MAIL_ENABLED": "false"}
    for command in (["db", "upgrade"], ["seed-demo"]):
        subprocess.run([sys.executable, "-m", "flask", "--app", "wsgi", *command], cwd=ROOT, env=env,  # noqa: S603
                       check=True, capture_output=True)
    return url


def crashes(log: Path) -> list[str]:
    """The lines of a server's log that say a process or worker died or an error went unhandled."""
    return [line for line in log.read_text(errors="replace").splitlines() if CRASH.search(line)]
