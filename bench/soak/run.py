"""Soak: minutes of mixed public traffic on the production configuration, with no worker lost
and no answer other than a success or a redirect (issue 13: the threaded servers died with
SIGSEGV under CPython 3.11, and SQLite answered 503 under light load).

For each database (a throwaway SQLite file, and a throwaway ``bench_availability_soak_*``
PostgreSQL database on 127.0.0.1:5432, both removed at the end): ``flask db upgrade`` and
``flask seed-demo``; gunicorn with deploy/gunicorn.conf.py in production mode (APP_ENV=production,
workers 2 x cores + 1, 4 threads each, recycling after max_requests as deployed, Redis for the
limiter's storage); then wrk (bench/endpoints/paths.lua) over every public page and API GET of
tests/public_site.py, the nearest search by 12 ZIP codes, 6 places and 3 coordinates included
(each search writes a demand point). Rate limits are off: every request comes from 127.0.0.1.

    .venv/bin/python bench/soak/run.py [--seconds 180] [--backends sqlite,postgresql]

Prints a markdown table (requests, requests/s, non-2xx/3xx answers, socket errors, workers lost,
demand points written); writes JSON to bench/results/soak-*.json; exits 1 when an answer failed
or a worker was lost.
"""

from __future__ import annotations

import argparse
import os
import secrets
import subprocess
import sys
import tempfile
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

from bench.availability.common import machine, require_wrk, temporary_database, write_results  # noqa: E402
from bench.availability.throughput import parse_wrk  # noqa: E402
from tests.public_site import demand_points, public_paths  # noqa: E402
from tests.servers import crashes, seed_demo, start_gunicorn, stop, wait_until_up  # noqa: E402

PATHS_LUA = REPO_ROOT / "bench" / "endpoints" / "paths.lua"
REDIS_URL = os.environ.get("SOAK_REDIS_URL", "redis://127.0.0.1:6379/15")


def production_env(url: str) -> dict[str, str]:
    return {"APP_ENV": "production", "SECRET_KEY": secrets.token_urlsafe(48), "DATABASE_URL": url,
            "REDIS_URL": REDIS_URL, "PUBLIC_URL": "https://clinic.example.com", "RATELIMIT_ENABLED": "false",
            "MAIL_ENABLED": "false", "PYTHONFAULTHANDLER": "1"}


def soak(backend: str, args, folder: Path) -> dict:
    with temporary_database(backend, "soak") as url:
        seed_demo(url)
        log = folder / f"{backend}-gunicorn.log"
        with log.open("w") as stderr:
            base, server = start_gunicorn(production_env(url), "--config", "deploy/gunicorn.conf.py",
                                          "--access-logfile", os.devnull, stderr=stderr)
            try:
                wait_until_up(base, server)
                paths = folder / f"{backend}-paths.txt"
                paths.write_text("\n".join(public_paths(base)) + "\n")
                before = demand_points(url)
                figures = wrk(base, paths, args)
                figures["demand_points_written"] = demand_points(url) - before
                figures["server_running"] = server.poll() is None
            finally:
                stop(server)
        figures["workers_lost"] = len(crashes(log))
        figures["urls"] = len(paths.read_text().split())
        print(f"{backend}: {figures['requests']:,} requests, {figures['non_2xx_or_3xx']} non-2xx/3xx, "
              f"{figures['workers_lost']} workers lost", flush=True)
        return figures


def wrk(base: str, paths: Path, args) -> dict:
    command = ["wrk", f"-t{args.threads}", f"-c{args.connections}", f"-d{args.seconds}s", "--timeout", "10s",
               "--latency", "-s", str(PATHS_LUA), base]
    done = subprocess.run(command, capture_output=True, text=True, timeout=args.seconds + 120,  # noqa: S603
                          env={**os.environ, "PATHS_FILE": str(paths)}, check=False)
    if done.returncode != 0 or "Requests/sec" not in done.stdout:
        raise RuntimeError(f"wrk failed: {done.stdout}\n{done.stderr}")
    return parse_wrk(done.stdout)


def markdown(results: dict[str, dict], args) -> str:
    lines = ["| database | seconds | URLs | requests | req/s | p50 / p99 ms | non-2xx/3xx | socket errors | "
             "workers lost | demand points written |", "|---|---|---|---|---|---|---|---|---|---|"]
    for backend, f in results.items():
        lines.append(f"| {backend} | {args.seconds} | {f['urls']} | {f['requests']:,} | {f['requests_per_second']:,.0f}"
                     f" | {f['latency_p50_ms']:.0f} / {f['latency_p99_ms']:.0f} | {f['non_2xx_or_3xx']} | "
                     f"{f['socket_errors']} | {f['workers_lost']} | {f['demand_points_written']:,} |")
    return "\n".join(lines)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=int, default=180, help="length of the soak on each database")
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument("--threads", type=int, default=2, help="wrk threads")
    parser.add_argument("--connections", type=int, default=8, help="wrk connections (concurrent clients)")
    args = parser.parse_args(argv)
    require_wrk()
    with tempfile.TemporaryDirectory(prefix="bench-soak-") as tmp:
        results = {backend: soak(backend, args, Path(tmp)) for backend in args.backends.split(",")}
    print()
    print(markdown(results, args))
    print(f"\n- gunicorn --config deploy/gunicorn.conf.py (APP_ENV=production), {os.cpu_count()} CPUs shared with wrk "
          f"-t{args.threads} -c{args.connections}; Python {sys.version.split()[0]}")
    path = write_results("soak", {"machine": machine(), "settings": vars(args), "results": results})
    print(f"JSON: {path.relative_to(REPO_ROOT)}")
    failed = any(f["non_2xx_or_3xx"] or f["socket_errors"] or f["workers_lost"] or not f["server_running"]
                 for f in results.values())
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
