"""Lighthouse (mobile) over the pages a patient meets first: home, search results, a clinic,
and the booking steps, against gunicorn in production settings on a throwaway SQLite database
holding the demo data.

Targets (issue 8): performance >= 95, accessibility 100, best practices >= 95, SEO >= 95, and
at most 250 KB transferred per page, map tiles (tile.openstreetmap.org) excluded. Each page is
measured ``--runs`` times; the median of each score and of the weight is compared. Exit 1 when
any target is missed. Raw Lighthouse JSON goes to bench/results/.

Run from the repository root, after ``npm ci --prefix bench/lighthouse``:

    .venv/bin/python bench/lighthouse/run.py [--runs 3] [--pages home,search]

No traffic leaves 127.0.0.1: Chromium resolves every other host to nothing, so map tiles fail
to load anyway (the clinic list beside the map does not need them). Lighthouse blocks them itself
(``--blocked-url-patterns``), which it does not count as errors in the console, and their bytes
are left out of the weight; everything else counts.
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parents[2]
HERE = ROOT / "bench" / "lighthouse"
RESULTS = ROOT / "bench" / "results"
VENV = ROOT / ".venv" / "bin"
LIGHTHOUSE = HERE / "node_modules" / ".bin" / "lighthouse"
CHROME = os.environ.get("CHROME_PATH", "/usr/bin/chromium")
CHROME_FLAGS = (
    "--headless --no-sandbox --disable-gpu --disable-quic --no-first-run --disable-background-networking "
    "--disable-component-update --disable-sync "
    '"--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1 , EXCLUDE localhost"'
)
TILE_HOST = "tile.openstreetmap.org"
CATEGORIES = ("performance", "accessibility", "best-practices", "seo")
TARGETS = {"performance": 95, "accessibility": 100, "best-practices": 95, "seo": 95}
MAX_KB = 250
# A demo clinic, service and "any practitioner": the booking pages' own first and time steps.
PAGES = {
    "home": "/",
    "search": "/clinics/nearest?q=10001",
    "clinic": "/clinics/phoenix",
    "book-clinic": "/book/?clinic=phoenix",
    "book-service": "/book/service?clinic=phoenix",
    "book-time": "/book/time?clinic=phoenix&service=follow-up&practitioner=any",
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=3, help="Lighthouse runs per page; the median counts (3)")
    parser.add_argument("--pages", default=",".join(PAGES), help=f"comma-separated, of: {', '.join(PAGES)}")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers (2)")
    args = parser.parse_args(argv)
    pages = {name: PAGES[name] for name in args.pages.split(",")}
    if not LIGHTHOUSE.exists():
        sys.exit("Lighthouse is not installed: npm ci --prefix bench/lighthouse")
    RESULTS.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    with tempfile.TemporaryDirectory(prefix="bench-lighthouse-") as tmp:
        database_url = prepare_database(Path(tmp))
        with gunicorn(database_url, args.workers, Path(tmp) / "gunicorn.log") as base_url:
            rows = [measure(name, base_url + path, args.runs, stamp) for name, path in pages.items()]
    print(table(rows))
    summary = RESULTS / f"lighthouse-{stamp}.json"
    summary.write_text(json.dumps({"measured_at": stamp, "targets": TARGETS, "max_kb": MAX_KB, "pages": rows},
                                  indent=2))
    print(f"\nRaw reports and this summary: {summary.relative_to(ROOT)}")
    missed = [row["page"] for row in rows if not row["met"]]
    if missed:
        print("Targets missed on: " + ", ".join(missed))
        return 1
    print("Every target met.")
    return 0


def prepare_database(folder: Path) -> str:
    """Migrate a fresh SQLite file and load the demo data. While several engineers work in the
    tree the models may run ahead of the migrations: then the tables come from the models."""
    database_url = f"sqlite:///{folder / 'lighthouse.db'}"
    env = {**_clean_env(), "DATABASE_URL": database_url, "MAIL_ENABLED": "false"}
    flask = [str(VENV / "flask"), "--app", "wsgi"]
    seeded = _run([*flask, "db", "upgrade"], env) and _run([*flask, "seed-demo"], env)
    if not seeded:
        print("note: migrations do not match the models yet; tables created from the models instead", file=sys.stderr)
        (folder / "lighthouse.db").unlink(missing_ok=True)
        create = "from wsgi import app; from clinic_app.extensions import db; app.app_context().push(); db.create_all()"
        if not (_run([str(VENV / "python"), "-c", create], env) and _run([*flask, "seed-demo"], env)):
            sys.exit("flask seed-demo failed")
    return database_url


def _run(command: list[str], env: dict) -> bool:
    """Run one of our own commands (no shell, fixed arguments); True when it succeeded."""
    return subprocess.run(command, env=env, cwd=ROOT, capture_output=True, check=False).returncode == 0  # noqa: S603


def _clean_env() -> dict:
    return {k: v for k, v in os.environ.items() if k not in {"APP_ENV", "FLASK_DEBUG", "DATABASE_URL", "REDIS_URL"}}


@contextmanager
def gunicorn(database_url: str, workers: int, log: Path):
    """gunicorn (sync workers) with APP_ENV=production: no debugger, production headers. Rate
    limits count in memory (REDIS_URL=memory://): one machine, one benchmark."""
    port = _free_port()
    base_url = f"http://127.0.0.1:{port}"
    env = {
        **_clean_env(), "APP_ENV": "production", "DATABASE_URL": database_url, "REDIS_URL": "memory://",
        "SECRET_KEY": secrets.token_hex(32), "PUBLIC_URL": base_url, "MAIL_ENABLED": "false",
    }
    command = [str(VENV / "gunicorn"), "-w", str(workers), "-b", f"127.0.0.1:{port}",
               "--log-level", "warning", "wsgi:app"]
    with log.open("w") as out:
        server = subprocess.Popen(command, env=env, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT)  # noqa: S603
    try:
        _wait_healthy(base_url, server, log)
        for path in PAGES.values():  # warm both workers' caches (ZIP index, templates) first
            for _ in range(workers):
                _get(base_url + path, timeout=30)
        yield base_url
    finally:
        server.terminate()
        server.wait(timeout=30)


def _wait_healthy(base_url: str, server: subprocess.Popen, log: Path) -> None:
    for _ in range(120):
        if server.poll() is not None:
            break
        try:
            _get(base_url + "/healthz", timeout=2)
            return
        except OSError:
            time.sleep(0.5)
    sys.exit("gunicorn did not become healthy:\n" + log.read_text())


def _get(url: str, timeout: float) -> None:
    with urllib.request.urlopen(url, timeout=timeout) as answer:  # noqa: S310 - our own http://127.0.0.1 server
        answer.read()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def measure(name: str, url: str, runs: int, stamp: str) -> dict:
    """The median of each category score and of the page weight over ``runs`` Lighthouse runs."""
    reports = [lighthouse(url, RESULTS / f"lighthouse-{stamp}-{name}-{run + 1}.json") for run in range(runs)]
    scores = {category: statistics.median(report["scores"][category] for report in reports) for category in CATEGORIES}
    weight_kb = statistics.median(report["kb"] for report in reports)
    met = all(scores[c] >= TARGETS[c] for c in CATEGORIES) and weight_kb <= MAX_KB
    failing = sorted({audit for report in reports for audit in report["failing"]})
    return {"page": name, "url": url, "scores": scores, "kb": weight_kb, "met": met,
            "runs": [report["scores"] | {"kb": report["kb"]} for report in reports], "failing_audits": failing}


def lighthouse(url: str, output: Path) -> dict:
    command = [
        str(LIGHTHOUSE), url, "--quiet", "--output=json", f"--output-path={output}",
        f"--only-categories={','.join(CATEGORIES)}", f"--chrome-flags={CHROME_FLAGS}",
        f"--blocked-url-patterns=*{TILE_HOST}*",
    ]
    subprocess.run(command, env={**os.environ, "CHROME_PATH": CHROME}, cwd=HERE, check=True)  # noqa: S603
    report = json.loads(output.read_text())
    if report.get("runtimeError"):
        sys.exit(f"Lighthouse could not load {url}: {report['runtimeError']}")
    return {
        "scores": {c: round(report["categories"][c]["score"] * 100) for c in CATEGORIES},
        "kb": round(weight_without_tiles(report) / 1024, 1),
        "failing": [f"{c}:{ref['id']}" for c in CATEGORIES for ref in report["categories"][c]["auditRefs"]
                    if ref["weight"] and (report["audits"][ref["id"]]["score"] or 0) < 0.9
                    and report["audits"][ref["id"]]["scoreDisplayMode"] in {"binary", "numeric"}],
    }


def weight_without_tiles(report: dict) -> int:
    """Bytes transferred for the page, as Lighthouse's total-byte-weight counts them, minus map tiles."""
    items = report["audits"]["network-requests"]["details"]["items"]
    return sum(item.get("transferSize") or 0 for item in items if urlsplit(item["url"]).hostname
               and not urlsplit(item["url"]).hostname.endswith(TILE_HOST))


def table(rows: list[dict]) -> str:
    header = "| page | performance | accessibility | best practices | SEO | KB (no tiles) | targets |"
    lines = [header, "|---|---|---|---|---|---|---|"]
    for row in rows:
        s = row["scores"]
        lines.append(f"| {row['page']} | {s['performance']:g} | {s['accessibility']:g} | {s['best-practices']:g} "
                     f"| {s['seo']:g} | {row['kb']:.1f} | {'met' if row['met'] else 'MISSED'} |")
        if row["failing_audits"]:
            lines.append(f"|  | below 90: {', '.join(row['failing_audits'])} | | | | | |")
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
