"""Latency of the nearest-clinic search against a naive search, at 1,000, 10,000 and 100,000 clinics.

Measured, per backend (SQLite, and PostgreSQL when the local server answers) and network size:

* ours: ``find_nearest_clinics(lat, lng, limit=5)``, wall time of the whole call (box queries,
  haversine ranking, geodesics, loading the 5 clinics with their hours and closures), one call
  per query point after one untimed warm-up pass, a fresh session for each call, the ranking's
  memo (``search._ranked``) emptied first so that no point is answered from the warm-up;
* naive: fetch every open clinic's coordinates, geopy's ``geodesic`` to each, sort, load the 5
  nearest the same way; on the first few query points only (it costs ~0.13 ms per clinic);
* that both give the same clinic ids in the same order at every point where naive ran.

The speedup is the median, over the points where naive ran, of naive time / our time at that
point. The scaling target compares our median (and p95) over all points at 100,000 and 10,000.

Prints a markdown table and writes JSON to bench/results/. Run from the repository root:
``.venv/bin/python bench/nearest/compare.py``.
"""

from __future__ import annotations

import argparse
import sys
import time
from statistics import median

from common import (
    BACKENDS,
    grow_network,
    machine,
    make_app,
    percentile,
    postgres_available,
    query_points,
    temporary_database,
    write_results,
)
from geopy.distance import geodesic
from sqlalchemy import func, select, text
from sqlalchemy.orm import selectinload

from clinic_app.clinics import search
from clinic_app.clinics.models import Clinic, ClinicStatus
from clinic_app.clinics.search import find_nearest_clinics
from clinic_app.extensions import db

LIMIT = 5
DEFAULT_SIZES = (1_000, 10_000, 100_000)
# How many of the query points the naive search is timed on, per network size.
DEFAULT_NAIVE_POINTS = {1_000: 60, 10_000: 20, 100_000: 5}
SPEEDUP_TARGET_AT_10K = 100.0
SCALING_TARGET_100K_OVER_10K = 2.0

Ranked = list[tuple[int, float]]


def naive_nearest(latitude: float, longitude: float, limit: int = LIMIT) -> Ranked:
    """The reference: geopy's geodesic to every open clinic, nearest first (ties by id), and the
    ``limit`` nearest loaded as the real search loads them."""
    everyone = db.session.execute(
        select(Clinic.id, Clinic.latitude, Clinic.longitude).where(Clinic.status == ClinicStatus.OPEN)
    ).all()
    ranked = sorted((geodesic((latitude, longitude), (lat, lng)).miles, cid) for cid, lat, lng in everyone)[:limit]
    db.session.scalars(
        select(Clinic)
        .where(Clinic.id.in_([cid for _, cid in ranked]))
        .options(selectinload(Clinic.opening_hours), selectinload(Clinic.closures))
    ).all()
    return [(cid, miles) for miles, cid in ranked]


def ours_nearest(latitude: float, longitude: float, limit: int = LIMIT) -> Ranked:
    search._ranked.cache_clear()  # the warm-up pass asked the same questions: rank afresh
    return [(found.clinic.id, found.distance_miles) for found in find_nearest_clinics(latitude, longitude, limit)]


def timed(search, point: tuple[float, float]) -> tuple[float, Ranked]:
    """Milliseconds one search takes at ``point``, and its answer; each search gets a fresh
    session, as each request does."""
    started = time.perf_counter()
    answer = search(*point)
    elapsed_ms = (time.perf_counter() - started) * 1000
    db.session.remove()
    return elapsed_ms, answer


def measure_size(size: int, points: list[tuple[float, float]], naive_count: int) -> dict:
    """Grow the network to ``size`` clinics, then time ours on every point and naive on the first
    ``naive_count``, checking that the answers agree."""
    seed_seconds = grow_network(size)
    open_clinics = db.session.scalar(select(func.count()).where(Clinic.status == ClinicStatus.OPEN))
    db.session.remove()
    for point in points:
        timed(ours_nearest, point)  # warm-up: database pages, caches, code paths
    ours = [timed(ours_nearest, point) for point in points]
    naive = [timed(naive_nearest, point) for point in points[:naive_count]]
    return summarise(size, open_clinics, seed_seconds, points, ours, naive)


def summarise(size, open_clinics, seed_seconds, points, ours, naive) -> dict:
    ours_ms = [ms for ms, _ in ours]
    same_points_ms = ours_ms[: len(naive)]
    naive_ms = [ms for ms, _ in naive]
    mismatches = [
        {"point": point, "ours": [cid for cid, _ in mine], "naive": [cid for cid, _ in theirs]}
        for point, (_, mine), (_, theirs) in zip(points, ours, naive, strict=False)
        if [cid for cid, _ in mine] != [cid for cid, _ in theirs]
    ]
    differences = [
        abs(mine_miles - their_miles)
        for (_, mine), (_, theirs) in zip(ours, naive, strict=False)
        for (_, mine_miles), (_, their_miles) in zip(mine, theirs, strict=False)
    ]
    return {
        "clinics": size,
        "open_clinics": open_clinics,
        "seed_seconds": round(seed_seconds, 2),
        "points": len(ours_ms),
        "ours_median_ms": median(ours_ms),
        "ours_p95_ms": percentile(ours_ms, 0.95),
        "ours_max_ms": max(ours_ms),
        "naive_points": len(naive_ms),
        "naive_median_ms": median(naive_ms) if naive_ms else None,
        "naive_p95_ms": percentile(naive_ms, 0.95) if naive_ms else None,
        "ours_median_ms_on_naive_points": median(same_points_ms) if same_points_ms else None,
        # Median over the naive points of (naive ms / ours ms at the same point).
        "speedup": median(n / o for n, o in zip(naive_ms, same_points_ms, strict=True)) if naive_ms else None,
        "identical_results": not mismatches,
        "mismatches": mismatches,
        "max_distance_difference_miles": max(differences, default=0.0),
    }


def benchmark_backend(backend: str, sizes, points, naive_points: dict[int, int]) -> dict:
    """Every size on one fresh database of ``backend``, smallest first; the database is dropped after."""
    with temporary_database(backend) as url:
        app = make_app(url)
        with app.app_context():
            try:
                server = db.session.execute(text(_VERSION_QUERY[backend])).scalar()
                rows = []
                for size in sorted(sizes):
                    print(f"[{backend}] {size:,} clinics ...", file=sys.stderr, flush=True)
                    rows.append(measure_size(size, points, naive_points.get(size, 3)))
            finally:
                db.session.remove()
                db.engine.dispose()
    return {"backend": backend, "server": server, "sizes": rows}


_VERSION_QUERY = {"sqlite": "SELECT 'SQLite ' || sqlite_version()", "postgresql": "SELECT version()"}


def verdicts(result: dict) -> list[str]:
    """The issue's two targets, checked for one backend."""
    by_size = {row["clinics"]: row for row in result["sizes"]}
    lines = []
    if 10_000 in by_size and by_size[10_000]["speedup"]:
        speedup = by_size[10_000]["speedup"]
        met = "met" if speedup >= SPEEDUP_TARGET_AT_10K else "NOT met"
        lines.append(f"{result['backend']}: {speedup:,.0f}x faster than naive at 10,000 (target >= 100x): {met}")
    if {10_000, 100_000} <= by_size.keys():
        small, large = by_size[10_000], by_size[100_000]
        for label, key in (("median", "ours_median_ms"), ("p95", "ours_p95_ms")):
            ratio = large[key] / small[key]
            met = "met" if ratio <= SCALING_TARGET_100K_OVER_10K else "NOT met"
            lines.append(f"{result['backend']}: 100,000 costs {ratio:.2f}x the 10,000 {label} (target <= 2x): {met}")
    identical = all(row["identical_results"] for row in result["sizes"])
    lines.append(f"{result['backend']}: identical ids in order at every naive point: {'yes' if identical else 'NO'}")
    return lines


def markdown_table(results: list[dict]) -> str:
    header = (
        "| backend | clinics (open) | ours median ms | ours p95 ms | naive median ms | naive p95 ms | naive points "
        "| speedup (median) | same ids |\n|---|---|---|---|---|---|---|---|---|"
    )
    rows = [
        f"| {r['backend']} | {s['clinics']:,} ({s['open_clinics']:,}) | {s['ours_median_ms']:.2f} | "
        f"{s['ours_p95_ms']:.2f} | {_ms(s['naive_median_ms'])} | {_ms(s['naive_p95_ms'])} | {s['naive_points']} | "
        f"{_speedup(s['speedup'])} | {'yes' if s['identical_results'] else 'NO'} |"
        for r in results
        for s in r["sizes"]
    ]
    return "\n".join([header, *rows])


def _ms(value: float | None) -> str:
    return "-" if value is None else f"{value:,.1f}"


def _speedup(value: float | None) -> str:
    return "-" if value is None else f"{value:,.0f}x"


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--backends", default=",".join(BACKENDS), help="comma-separated: sqlite,postgresql")
    parser.add_argument("--sizes", default=",".join(map(str, DEFAULT_SIZES)), help="network sizes, comma-separated")
    parser.add_argument("--points", type=int, default=300, help="query points timed for our search")
    parser.add_argument(
        "--points-over", choices=("land", "box"), default="land", help="land: over US ZIP areas; box: open ocean too"
    )
    parser.add_argument(
        "--naive-points",
        default=",".join(f"{size}={count}" for size, count in DEFAULT_NAIVE_POINTS.items()),
        help="SIZE=COUNT pairs: how many of the points the naive search is timed on",
    )
    return parser.parse_args(argv)


def main(argv=None) -> int:
    args = parse_args(argv)
    sizes = [int(size) for size in args.sizes.split(",")]
    naive_points = {int(k): int(v) for k, v in (pair.split("=") for pair in args.naive_points.split(","))}
    points = query_points(args.points, over=args.points_over)
    results, skipped = [], []
    for backend in args.backends.split(","):
        if backend == "postgresql" and not postgres_available():
            skipped.append("postgresql (server not reachable)")
            continue
        results.append(benchmark_backend(backend, sizes, points, naive_points))
    summary = [line for result in results for line in verdicts(result)]
    print(markdown_table(results))
    print()
    print("\n".join(f"- {line}" for line in summary + [f"skipped: {s}" for s in skipped]))
    path = write_results(
        "nearest-compare",
        {"machine": machine(), "points_over": args.points_over, "results": results, "verdicts": summary},
    )
    print(f"\nJSON: {path.relative_to(path.parents[2])}")
    all_met = all(" NOT met" not in line and not line.endswith("NO") for line in summary)
    return 0 if all_met else 1


if __name__ == "__main__":
    sys.exit(main())
