"""A local OSV-style query server fed by PyPI's project JSON, for pip-audit where neither of its
own databases answers (security/run.sh uses it only then).

    python security/osv_from_pypi.py [--port N]      # prints "listening on http://127.0.0.1:N/v1/query"
    pip-audit --vulnerability-service osv --osv-url http://127.0.0.1:N/v1/query ...
    python security/osv_from_pypi.py --split requirements.txt AUDITABLE.txt
        # copies the pins this source can answer for to AUDITABLE.txt; prints the others, a line
        # each, and exits 3 when there are any

Rule: PyPI's project JSON (https://pypi.org/pypi/<name>/json) lists the vulnerabilities of the
project's LATEST release only. So a version is answered only when it is that release; any other
version gets HTTP 503 and a message, which makes pip-audit stop with an error instead of calling
the package clean. The upstream address comes from OSV_SHIM_UPSTREAM (default https://pypi.org/pypi).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import urllib.error
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from packaging.version import InvalidVersion, Version

DEFAULT_UPSTREAM = "https://pypi.org/pypi"
TIMEOUT = 20


class CannotAudit(Exception):
    """This source cannot say whether the asked version is affected."""


def fetch_project(upstream: str, name: str) -> dict:
    """PyPI's project JSON for `name`; CannotAudit when it cannot be had."""
    url = f"{upstream.rstrip('/')}/{name}/json"
    try:
        with urllib.request.urlopen(url, timeout=TIMEOUT) as response:  # noqa: S310 - http(s) upstream
            return json.load(response)
    except (urllib.error.URLError, OSError, ValueError) as error:
        raise CannotAudit(f"{name}: no project data from {url} ({error})") from error


def is_latest(project: dict, version: str) -> bool:
    """The asked version is the release PyPI's vulnerability list describes (versions compared
    as versions: "26.4" is "26.4.0")."""
    latest = project["info"]["version"]
    try:
        return Version(version) == Version(latest)
    except InvalidVersion:
        return version == latest


def osv_entry(name: str, entry: dict) -> dict:
    """One PyPI vulnerability entry in OSV v1 shape: every version before the first fix is
    affected (PyPI gives no "introduced" version); no fix means no "fixed" event."""
    events = [{"introduced": "0"}] + [{"fixed": fixed} for fixed in entry.get("fixed_in") or []]
    vuln = {
        "id": entry["id"],
        "aliases": entry.get("aliases") or [],
        "affected": [{"package": {"name": name, "ecosystem": "PyPI"},
                      "ranges": [{"type": "ECOSYSTEM", "events": events}]}],
    }
    # Absent rather than null: pip-audit reads summary, then details, then "N/A".
    for key in ("summary", "details", "withdrawn"):
        if entry.get(key) is not None:
            vuln[key] = entry[key]
    return vuln


def query(upstream: str, name: str, version: str) -> dict:
    """The OSV answer for name==version, or CannotAudit when version is not the latest release."""
    project = fetch_project(upstream, name)
    if not is_latest(project, version):
        raise CannotAudit(
            f"{name} {version} cannot be audited from PyPI project data: it describes only the latest "
            f"release, {project['info']['version']}")
    return {"vulns": [osv_entry(name, entry) for entry in project.get("vulnerabilities") or []]}


class Handler(BaseHTTPRequestHandler):
    upstream = DEFAULT_UPSTREAM

    def do_POST(self):  # noqa: N802 (http.server's name)
        if self.path != "/v1/query":
            return self.answer(404, {"message": "only POST /v1/query"})
        try:
            body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))))
            name, version = body["package"]["name"], body["version"]
            if body["package"].get("ecosystem", "PyPI") != "PyPI":
                return self.answer(400, {"message": "only the PyPI ecosystem"})
        except (ValueError, KeyError, TypeError):
            return self.answer(400, {"message": "expected {package: {name, ecosystem}, version}"})
        try:
            self.answer(200, query(self.upstream, name, version))
        except CannotAudit as reason:
            self.answer(503, {"message": str(reason)}, reason=str(reason))

    def answer(self, status: int, payload: dict, reason: str | None = None):
        """Send JSON; a 503's reason phrase carries the message so pip-audit's error shows it."""
        data = json.dumps(payload).encode()
        self.send_response(status, reason.replace("\n", " ") if reason else None)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format, *args):  # noqa: A002 (http.server's signature)
        sys.stderr.write(f"osv_from_pypi: {format % args}\n")


PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)(\[[^\]]*\])?==([^\s;#]+)")


def split_pins(upstream: str, requirements: str, auditable: str) -> int:
    """pip-audit stops at the first version this source refuses, leaving every later pin
    unchecked: so the pins are sorted first, and pip-audit gets only those it can answer for."""
    kept, refused = [], []
    for line in open(requirements).read().splitlines():
        pin = PIN.match(line.strip())
        if not pin:
            continue
        try:
            query(upstream, pin[1], pin[3])
            kept.append(line)
        except CannotAudit as reason:
            refused.append(str(reason))
    with open(auditable, "w") as out:
        out.write("\n".join(kept) + "\n")
    for reason in refused:
        print(reason)
    return 3 if refused else 0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=0, help="default: a free port")
    parser.add_argument("--split", nargs=2, metavar=("REQUIREMENTS", "AUDITABLE"))
    args = parser.parse_args()
    Handler.upstream = os.environ.get("OSV_SHIM_UPSTREAM", DEFAULT_UPSTREAM)
    if args.split:
        sys.exit(split_pins(Handler.upstream, *args.split))
    server = ThreadingHTTPServer(("127.0.0.1", args.port), Handler)
    print(f"listening on http://127.0.0.1:{server.server_port}/v1/query", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
