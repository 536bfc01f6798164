"""Read the scanners' reports for security/run.sh: one summary line each, and an exit code
(0 nothing found, 1 findings, 2 the check could not be done).

    python security/report.py schemathesis REPORT.json
    python security/report.py audit PIP_AUDIT.json
    python security/report.py sqlmap SQLMAP.log
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

# What sqlmap prints when it has found something. Its all-clear messages also contain the
# word "injectable" ("does not seem to be injectable"), so the phrases are matched whole.
SQLMAP_FINDINGS = re.compile(
    r"identified the following injection point"
    r"|is vulnerable"
    r"|might be vulnerable",
)
# A candidate: sqlmap then checks it, and clears it when its confirmation fails (a slow answer
# can look like a time-based injection on a busy machine).
SQLMAP_CANDIDATE = re.compile(r"parameter '([^']*)' (?:appears to be|is) '[^']*' injectable")
SQLMAP_CLEARED = re.compile(r"parameter '([^']*)' does not seem to be injectable")
# sqlmap's closing tally of HTTP errors: a 5xx means hostile input broke a request.
SERVER_ERRORS = re.compile(r"\b5\d\d \([^)]*\) - \d+ times")


def schemathesis(path: str) -> int:
    report = json.loads(Path(path).read_text())
    cases, operations = report["test_cases"], report["operations"]
    failures = sum(failure["count"] for failure in report["failures"])
    errors = sum(error["count"] for error in report["errors"])
    print(f"schemathesis: {operations['tested']}/{operations['total']} operations, {cases['generated']} test cases, "
          f"{failures} failures, {errors} errors ({report['running_time']:.0f} s, seed {report['seed']})")
    for failure in report["failures"]:
        print(f"  {failure['code']} {failure['title']}: {', '.join(failure['operations'])}")
    if errors or not report["complete"]:
        return 2
    return 1 if failures or report["exit_code"] else 0


def audit(path: str) -> int:
    """Every pinned package must have been checked: pip-audit reports a package it could not
    look up as skipped and still says "No known vulnerabilities found"."""
    dependencies = json.loads(Path(path).read_text())["dependencies"]
    vulnerable = [dep for dep in dependencies if dep.get("vulns")]
    skipped = [dep for dep in dependencies if "skip_reason" in dep]
    print(f"pip-audit: {len(dependencies) - len(skipped)}/{len(dependencies)} pinned packages checked, "
          f"{len(vulnerable)} with known vulnerabilities")
    for dep in vulnerable:
        ids = ", ".join(vuln["id"] for vuln in dep["vulns"])
        print(f"  {dep['name']} {dep['version']}: {ids}")
    if vulnerable:
        return 1
    if skipped:
        print(f"  NOT AUDITED: {skipped[0]['skip_reason']} (and {len(skipped) - 1} more)")
        return 2
    return 0


def sqlmap(path: str) -> int:
    lines = Path(path).read_text(errors="replace").splitlines()
    found = [line.strip() for line in lines if SQLMAP_FINDINGS.search(line) or SERVER_ERRORS.search(line)]
    cleared = {match[1] for line in lines if (match := SQLMAP_CLEARED.search(line))}
    for line in lines:
        candidate = SQLMAP_CANDIDATE.search(line)
        if candidate and candidate[1] not in cleared:
            found.append(line.strip())
        elif candidate:
            print(f"  (sqlmap's own check found this a false positive: {line.strip()})")
    for line in dict.fromkeys(found):
        print(f"  {line}")
    if found:
        return 1
    tested = any("all tested parameters do not appear to be injectable" in line for line in lines)
    return 0 if tested else 2  # no verdict: sqlmap stopped early (connection, target not reached)


if __name__ == "__main__":
    reader = {"schemathesis": schemathesis, "audit": audit, "sqlmap": sqlmap}[sys.argv[1]]
    sys.exit(reader(sys.argv[2]))
