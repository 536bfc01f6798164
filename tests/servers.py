"""The app under real gunicorn processes, for the tests that need more than the test client:
concurrency between workers, an outage under a running server, several servers behind one
load balancer. Loading the app can take half a minute on a busy CI machine: the worker timeout
and the wait for /healthz allow for it."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from tests.conftest import _free_port

ROOT = Path(__file__).resolve().parent.parent
STARTUP_SECONDS = 120


def start_gunicorn(env: dict[str, str], *options: str, stderr=None) -> tuple[str, subprocess.Popen]:
    """A gunicorn serving wsgi:app on a free local port, with ``env`` over this process's
    environment and ``options`` (workers, threads, config) on its command line: (url, process)."""
    port = _free_port()
    command = [sys.executable, "-m", "gunicorn", *options, "--bind", f"127.0.0.1:{port}", "--timeout", "120",
               "--log-level", "warning", "wsgi:app"]
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
