"""Where the nearest-clinic search spends its time, per query point, at 10,000 and 100,000 clinics.

Each call of ``find_nearest_clinics(lat, lng, 5)`` is split into three phases by wrapping the
search module's own functions (in this process only; no application code changes):

* box SQL: the candidate queries, including fetching their rows (``_candidates_in_boxes``);
* ranking: haversine for every candidate, sorting, geodesics for the few near the cut-off
  (``nearest_by_geodesic``; its memo, ``_ranked``, is emptied before each search so that
  every search ranks afresh);
* loading: everything else, chiefly loading the 5 clinics with their hours and closures.

Points are grouped by how many boxes the search needed (the box grows 25 -> 100 -> 400 -> 1,600
miles until it holds 5 clinics provably nearest). Uses the same query points as compare.py.
Run from the repository root: ``.venv/bin/python bench/nearest/profile_search.py``.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import defaultdict
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

from clinic_app.clinics import search
from clinic_app.extensions import db
from clinic_app.geo import geometry


class PhaseTimer:
    """Wraps the search's helpers to add up, for one search at a time, the seconds and counts of
    each phase."""

    def __init__(self):
        self.reset()
        self._originals = (search._candidates_in_boxes, search.nearest_by_geodesic, geometry.geodesic_miles)

    def reset(self):
        self.box_seconds = self.rank_seconds = 0.0
        self.boxes = self.candidates = self.geodesics = 0

    def install(self):
        candidates_in_box, nearest_by_geodesic, geodesic_miles = self._originals

        def timed_box(*args):
            started = time.perf_counter()
            rows = candidates_in_box(*args)
            self.box_seconds += time.perf_counter() - started
            self.boxes += 1
            self.candidates += sum(len(found) for found in rows.values())
            return rows

        def timed_rank(*args):
            started = time.perf_counter()
            ranked = nearest_by_geodesic(*args)
            self.rank_seconds += time.perf_counter() - started
            return ranked

        def counted_geodesic(*args):
            self.geodesics += 1
            return geodesic_miles(*args)

        search._candidates_in_boxes, search.nearest_by_geodesic, geometry.geodesic_miles = (
            timed_box,
            timed_rank,
            counted_geodesic,
        )

    def uninstall(self):
        search._candidates_in_boxes, search.nearest_by_geodesic, geometry.geodesic_miles = self._originals


def profile_point(timer: PhaseTimer, point: tuple[float, float]) -> dict:
    timer.reset()
    search._ranked.cache_clear()
    started = time.perf_counter()
    search.find_nearest_clinics(*point)
    total = time.perf_counter() - started
    db.session.remove()
    return {
        "point": point,
        "total_ms": total * 1000,
        "box_sql_ms": timer.box_seconds * 1000,
        "ranking_ms": timer.rank_seconds * 1000,
        "loading_ms": (total - timer.box_seconds - timer.rank_seconds) * 1000,
        "boxes": timer.boxes,
        "candidates": timer.candidates,
        "geodesics": timer.geodesics,
    }


def profile_size(size: int, points) -> list[dict]:
    grow_network(size)
    db.session.remove()
    timer = PhaseTimer()
    timer.install()
    try:
        for point in points:
            profile_point(timer, point)  # warm-up
        return [profile_point(timer, point) for point in points]
    finally:
        timer.uninstall()


def group_rows(label: str, rows: list[dict]) -> str:
    """One markdown row: medians of each phase over ``rows``."""

    def mid(key):
        return median(row[key] for row in rows)

    return (
        f"| {label} | {len(rows)} | {mid('total_ms'):.2f} | {mid('box_sql_ms'):.2f} | {mid('ranking_ms'):.2f} | "
        f"{mid('loading_ms'):.2f} | {mid('candidates'):,.0f} | {mid('geodesics'):.0f} |"
    )


def report(backend: str, size: int, rows: list[dict]) -> str:
    by_boxes = defaultdict(list)
    for row in rows:
        by_boxes[row["boxes"]].append(row)
    p95 = percentile([row["total_ms"] for row in rows], 0.95)
    tail = [row for row in rows if row["total_ms"] >= p95]
    lines = [
        f"### {backend}, {size:,} clinics (medians per group)\n",
        "| points | n | total ms | box SQL ms | ranking ms | loading ms | candidates | geodesics |",
        "|---|---|---|---|---|---|---|---|",
        group_rows("all", rows),
        *(group_rows(f"{boxes} box{'es' if boxes > 1 else ''}", by_boxes[boxes]) for boxes in sorted(by_boxes)),
        group_rows(f"slowest 5% (>= {p95:.1f} ms)", tail),
    ]
    return "\n".join(lines) + "\n"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--backends", default=",".join(BACKENDS))
    parser.add_argument("--sizes", default="10000,100000")
    parser.add_argument("--points", type=int, default=300)
    parser.add_argument("--points-over", choices=("land", "box"), default="land")
    args = parser.parse_args(argv)
    points = query_points(args.points, over=args.points_over)
    results = []
    for backend in args.backends.split(","):
        if backend == "postgresql" and not postgres_available():
            print("skipped postgresql: server not reachable", file=sys.stderr)
            continue
        with temporary_database(backend) as url:
            app = make_app(url)
            with app.app_context():
                try:
                    for size in sorted(int(s) for s in args.sizes.split(",")):
                        rows = profile_size(size, points)
                        print(report(backend, size, rows), flush=True)
                        results.append({"backend": backend, "clinics": size, "points": rows})
                finally:
                    db.session.remove()
                    db.engine.dispose()
    path = write_results("nearest-profile", {"machine": machine(), "points_over": args.points_over, "results": results})
    print(f"JSON: {path.relative_to(path.parents[2])}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
