"""security/osv_from_pypi.py: the OSV-style answers make security/run.sh gives pip-audit when
neither PyPI's nor OSV's database is reachable. A fake PyPI (canned project JSON on a local
port) stands upstream of the real shim, started as run.sh starts it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import urllib.error
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SHIM = ROOT / "security" / "osv_from_pypi.py"
PIP_AUDIT = Path(sys.executable).parent / "pip-audit"

# What https://pypi.org/pypi/<name>/json carries: the latest release and its vulnerabilities.
PROJECTS = {
    "leaky": {
        "info": {"name": "leaky", "version": "2.0"},
        "vulnerabilities": [
            {"id": "PYSEC-2099-1", "aliases": ["CVE-2099-0001"], "summary": None,
             "details": "Reads any file.", "fixed_in": ["2.0.1"], "withdrawn": None,
             "link": "https://osv.dev/vulnerability/PYSEC-2099-1", "source": "osv"},
            {"id": "PYSEC-2099-2", "aliases": [], "summary": "Retracted.", "details": "x",
             "fixed_in": [], "withdrawn": "2099-01-02T00:00:00Z"},
        ],
    },
    "tidy": {"info": {"name": "tidy", "version": "1.4.0"}, "vulnerabilities": []},
}


class FakePyPI(BaseHTTPRequestHandler):
    def do_GET(self):  # noqa: N802 (http.server's name)
        name = self.path.removesuffix("/json").rsplit("/", 1)[-1]  # /pypi/<name>/json
        project = PROJECTS.get(name)
        data = json.dumps(project or {"message": "Not Found"}).encode()
        self.send_response(200 if project else 404)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def shim_env():
    upstream = ThreadingHTTPServer(("127.0.0.1", 0), FakePyPI)
    threading.Thread(target=upstream.serve_forever, daemon=True).start()
    yield {**os.environ, "OSV_SHIM_UPSTREAM": f"http://127.0.0.1:{upstream.server_port}/pypi",
           "NO_PROXY": "127.0.0.1", "no_proxy": "127.0.0.1"}
    upstream.shutdown()
    upstream.server_close()


@pytest.fixture(scope="module")
def shim_url(shim_env):
    env = shim_env
    shim = subprocess.Popen([sys.executable, str(SHIM)], env=env, text=True,  # noqa: S603 - our script
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    try:
        yield shim.stdout.readline().strip().removeprefix("listening on ")
    finally:
        shim.terminate()
        shim.wait(10)
        shim.stdout.close()


def post(url: str, name: str, version: str) -> tuple[int, dict]:
    body = json.dumps({"package": {"name": name, "ecosystem": "PyPI"}, "version": version}).encode()
    request = urllib.request.Request(url, data=body, method="POST")  # noqa: S310 - our local http URL
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        with opener.open(request, timeout=10) as response:
            return response.status, json.load(response)
    except urllib.error.HTTPError as error:
        return error.code, json.load(error)


def test_latest_release_with_a_vulnerability_is_answered_in_osv_shape(shim_url):
    status, answer = post(shim_url, "leaky", "2.0")
    assert status == 200
    vuln = answer["vulns"][0]
    assert vuln["id"] == "PYSEC-2099-1"
    assert vuln["aliases"] == ["CVE-2099-0001"]
    assert vuln["details"] == "Reads any file."
    assert "summary" not in vuln  # null upstream: left out so pip-audit reads the details
    assert vuln["affected"] == [{"package": {"name": "leaky", "ecosystem": "PyPI"},
                                 "ranges": [{"type": "ECOSYSTEM",
                                             "events": [{"introduced": "0"}, {"fixed": "2.0.1"}]}]}]
    assert answer["vulns"][1]["withdrawn"] == "2099-01-02T00:00:00Z"


def test_latest_release_without_vulnerabilities_is_clean(shim_url):
    assert post(shim_url, "tidy", "1.4") == (200, {"vulns": []})  # 1.4 is 1.4.0


def test_an_older_release_is_refused_with_503_not_called_clean(shim_url):
    status, answer = post(shim_url, "leaky", "1.9")
    assert status == 503
    assert "leaky 1.9 cannot be audited" in answer["message"]
    assert "latest release, 2.0" in answer["message"]


def test_a_project_upstream_does_not_know_is_refused(shim_url):
    status, answer = post(shim_url, "nowhere", "1.0")
    assert status == 503
    assert "no project data" in answer["message"]


def run_pip_audit(shim_url: str, tmp_path: Path, requirements: str) -> tuple[subprocess.CompletedProcess, Path]:
    (tmp_path / "requirements.txt").write_text(requirements)
    report = tmp_path / "audit.json"
    result = subprocess.run(  # noqa: S603 - the venv's pip-audit
        [str(PIP_AUDIT), "-r", str(tmp_path / "requirements.txt"), "--no-deps", "--disable-pip",
         "--progress-spinner", "off", "--cache-dir", str(tmp_path / "cache"), "--vulnerability-service", "osv",
         "--osv-url", shim_url, "-f", "json", "-o", str(report)],
        capture_output=True, text=True, timeout=120, env={**os.environ, "NO_PROXY": "127.0.0.1"})
    return result, report


def test_pip_audit_reports_what_the_shim_answers(shim_url, tmp_path):
    result, report = run_pip_audit(shim_url, tmp_path, "leaky==2.0\ntidy==1.4.0\n")
    assert result.returncode == 1  # pip-audit's "vulnerabilities found"
    dependencies = json.loads(report.read_text())["dependencies"]
    found = {dep["name"]: [vuln["id"] for vuln in dep["vulns"]] for dep in dependencies}
    assert found == {"leaky": ["PYSEC-2099-1"], "tidy": []}


def test_pip_audit_fails_without_a_report_on_an_older_pin(shim_url, tmp_path):
    """run.sh reads no report as "NOT DONE", never as clean."""
    result, report = run_pip_audit(shim_url, tmp_path, "tidy==1.4.0\nleaky==1.9\n")
    assert result.returncode != 0
    assert not report.exists() or report.stat().st_size == 0
    assert "leaky 1.9 cannot be audited" in result.stderr


def test_split_keeps_latest_pins_for_pip_audit_and_names_the_others(shim_env, tmp_path):
    requirements = tmp_path / "requirements.txt"
    requirements.write_text("# pinned\ntidy==1.4.0\nleaky==1.9\nleaky[extra]==2.0 ; python_version >= '3'\n")
    auditable = tmp_path / "auditable.txt"
    done = subprocess.run([sys.executable, str(SHIM), "--split", str(requirements), str(auditable)],  # noqa: S603
                          env=shim_env, capture_output=True, text=True, timeout=30)
    assert done.returncode == 3
    assert done.stdout.splitlines() == [
        "leaky 1.9 cannot be audited from PyPI project data: it describes only the latest release, 2.0"]
    assert auditable.read_text().splitlines() == ["tidy==1.4.0", "leaky[extra]==2.0 ; python_version >= '3'"]
