"""Read the wrk outputs that wrk.sh saved and report requests per second of the nearest-clinic
endpoint as a fraction of /healthz's, round by round (target: at least 0.5).

Usage (wrk.sh calls it): ``wrk_report.py FOLDER --clinics N --demand-points N [--settings TEXT]``,
where FOLDER holds ``round<N>-healthz.txt`` and ``round<N>-nearest.txt``.
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

from common import machine, write_results

RATIO_TARGET = 0.5
UNITS_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}


def parse_wrk(text: str) -> dict:
    """The figures of one wrk run (started with --latency)."""
    requests = re.search(r"^\s*(\d+) requests in ([\d.]+)(\w+)", text, re.M)
    errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", text)
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", text)
    return {
        "requests_per_second": float(re.search(r"Requests/sec:\s+([\d.]+)", text).group(1)),
        "requests": int(requests.group(1)),
        "latency_p50_ms": _latency(text, "50%"),
        "latency_p99_ms": _latency(text, "99%"),
        "non_2xx_or_3xx": int(non_2xx.group(1)) if non_2xx else 0,
        "socket_errors": sum(map(int, errors.groups())) if errors else 0,
    }


def _latency(text: str, label: str) -> float:
    value, unit = re.search(rf"^\s*{label}\s+([\d.]+)(us|ms|s|m)\s*$", text, re.M).groups()
    return float(value) * UNITS_MS[unit]


def load_rounds(folder: Path) -> list[dict]:
    rounds = []
    for healthz_file in sorted(folder.glob("round*-healthz.txt")):
        number = int(re.search(r"round(\d+)", healthz_file.name).group(1))
        healthz = parse_wrk(healthz_file.read_text())
        nearest = parse_wrk((folder / f"round{number}-nearest.txt").read_text())
        ratio = nearest["requests_per_second"] / healthz["requests_per_second"]
        rounds.append({"round": number, "healthz": healthz, "nearest": nearest, "ratio": ratio})
    return rounds


def markdown(rounds: list[dict]) -> str:
    lines = [
        "| round | /healthz req/s | p50 / p99 ms | nearest req/s | p50 / p99 ms | nearest / healthz |",
        "|---|---|---|---|---|---|",
    ]
    for r in rounds:
        h, n = r["healthz"], r["nearest"]
        lines.append(
            f"| {r['round']} | {h['requests_per_second']:,.0f} | {h['latency_p50_ms']:.1f} / {h['latency_p99_ms']:.1f} "
            f"| {n['requests_per_second']:,.0f} | {n['latency_p50_ms']:.1f} / {n['latency_p99_ms']:.1f} "
            f"| {r['ratio']:.2f} |"
        )
    return "\n".join(lines)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("folder", type=Path)
    parser.add_argument("--clinics", type=int, required=True, help="clinics in the database (all statuses)")
    parser.add_argument("--demand-points", type=int, required=True, help="demand_points rows after the runs")
    parser.add_argument("--settings", default="", help="how wrk and gunicorn were run, for the record")
    args = parser.parse_args(argv)
    rounds = load_rounds(args.folder)
    overall = sum(r["nearest"]["requests_per_second"] for r in rounds) / sum(
        r["healthz"]["requests_per_second"] for r in rounds
    )
    failures = sum(r[k]["non_2xx_or_3xx"] + r[k]["socket_errors"] for r in rounds for k in ("healthz", "nearest"))
    print(markdown(rounds))
    verdict = "met" if overall >= RATIO_TARGET else "NOT met"
    print(f"\n- nearest / healthz over all rounds: {overall:.2f} (target >= {RATIO_TARGET}): {verdict}")
    print(f"- failed requests (non-2xx/3xx or socket errors): {failures}")
    print(f"- clinics: {args.clinics:,}; demand points written (one per nearest request): {args.demand_points:,}")
    payload = {
        "machine": machine(),
        "settings": args.settings,
        "clinics": args.clinics,
        "demand_points": args.demand_points,
        "rounds": rounds,
        "ratio": overall,
        "failures": failures,
    }
    path = write_results("nearest-wrk", payload)
    print(f"\nJSON: {path.relative_to(path.parents[2])}")
    return 0 if overall >= RATIO_TARGET and failures == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
