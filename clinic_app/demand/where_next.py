"""Where to open next: candidate cities chosen greedily. Pure functions (no database).

A place is *covered* when a clinic (open or coming soon) or an earlier pick lies within the
radius, in great-circle (haversine) miles: within 0.6% of the geodesic the patients' search
uses (a quarter of a mile at 50 miles), and cheap enough to measure hundreds of thousands of
pairs. Opening in a candidate city would newly cover:

- the population of every candidate city whose centre is within the radius and not yet
  covered (the city's own people included; a city counts whole, at its centre point), and
- the searches recorded at demand points within the radius and not yet covered.

    score = population newly covered + SEARCH_WEIGHT x searches newly covered

The best-scoring city is picked, everything it covers is marked covered, and the others are
scored again on what is left: a second city whose people the first pick already reaches
scores only what remains. Ties go to the larger city, then by name. Picking stops at the
count asked for, or when no city would cover anything new.

Opening-alert sign-ups are counted for each pick but not scored: the sign-up form is offered
after a search that found no clinic, so most sign-ups are people whose search is counted.
"""

from __future__ import annotations

import heapq
from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import NamedTuple

from clinic_app.geo.coverage_grid import PointGrid

# One recorded search from a place no clinic covers weighs as much as 1,000 residents. The
# smallest candidate city has 15,000 people, so fifteen searches weigh as much as such a town:
# where people are actively looking, a mid-size town can outrank a bigger one, but a handful
# of scattered searches cannot outrank a real city.
SEARCH_WEIGHT = 1000


@dataclass(frozen=True)
class CandidateCity:
    name: str
    state: str
    latitude: float
    longitude: float
    population: int


class DemandAt(NamedTuple):
    """Searches recorded, and active opening-alert sign-ups, at one (coarse) point. A named
    tuple: the ranking reads demand by position, so the plain tuples the service passes (tens
    of thousands, see where_next_service.demand_weights) do as well."""

    latitude: float
    longitude: float
    searches: int = 0
    signups: int = 0


@dataclass(frozen=True)
class Pick:
    rank: int
    city: CandidateCity
    population_gained: int
    searches_covered: int
    signups_covered: int
    score: int
    # The nearest open or coming-soon clinic (earlier picks not counted); None with no clinic.
    nearest_clinic_miles: float | None


@dataclass(frozen=True)
class WhereNext:
    """The picks, and what no clinic covered before them."""

    picks: list[Pick]
    uncovered_population: int
    uncovered_searches: int
    uncovered_signups: int


def rank_where_next(
    cities: Sequence[CandidateCity],
    demand: Sequence[DemandAt | tuple[float, float, int, int]],
    clinics: Sequence[tuple[float, float]],
    radius_miles: float,
    count: int,
) -> WhereNext:
    """Up to ``count`` cities, best first, chosen greedily by the rule in this module's docstring.
    ``demand`` may be plain (latitude, longitude, searches, signups) tuples: read by position."""
    if radius_miles <= 0:
        raise ValueError("The radius must be a positive number of miles.")
    cell_miles = radius_miles / 2
    city_grid = PointGrid([(c.latitude, c.longitude) for c in cities], cell_miles)
    demand_grid = PointGrid([(lat, lng) for lat, lng, _, _ in demand], cell_miles)
    clinic_grid = PointGrid(clinics, cell_miles)
    coverage = _Coverage(
        cities, demand, city_grid, demand_grid, radius_miles,
        city_grid.covered_by(clinics, radius_miles),
        demand_grid.covered_by(clinics, radius_miles),
    )
    before = coverage.uncovered()
    picks: list[Pick] = []
    for index, gain in _greedy(coverage, count):
        city = cities[index]
        picks.append(Pick(len(picks) + 1, city, *gain, clinic_grid.nearest_miles(city.latitude, city.longitude)))
    return WhereNext(picks, *before)


class _Coverage:
    """What is covered so far, and what opening in a city would newly cover. Each place's
    population, searches and sign-ups are kept in lists, set to 0 once the place is covered:
    a gain is then a plain sum over the places reached."""

    def __init__(self, cities, demand, city_grid, demand_grid, radius_miles, city_covered, demand_covered):
        self.cities, self.radius_miles = cities, radius_miles
        self.city_grid, self.demand_grid = city_grid, demand_grid
        self.population = [0 if covered else c.population for c, covered in zip(cities, city_covered, strict=True)]
        self.searches = [0 if covered else d[2] for d, covered in zip(demand, demand_covered, strict=True)]
        self.signups = [0 if covered else d[3] for d, covered in zip(demand, demand_covered, strict=True)]
        self._reach: dict[int, tuple[list[int], list[int]]] = {}

    def uncovered(self) -> tuple[int, int, int]:
        """(population, searches, signups) not covered yet."""
        return sum(self.population), sum(self.searches), sum(self.signups)

    def reach(self, index: int) -> tuple[list[int], list[int]]:
        """The cities and demand points within the radius of city ``index`` (measured once)."""
        if index not in self._reach:
            city = self.cities[index]
            self._reach[index] = (
                self.city_grid.within(city.latitude, city.longitude, self.radius_miles),
                self.demand_grid.within(city.latitude, city.longitude, self.radius_miles),
            )
        return self._reach[index]

    def gain(self, index: int) -> tuple[int, int, int, int]:
        """(population, searches, signups, score) that opening in city ``index`` newly covers."""
        cities_reached, demand_reached = self.reach(index)
        population = sum(map(self.population.__getitem__, cities_reached))
        searches = sum(map(self.searches.__getitem__, demand_reached))
        signups = sum(map(self.signups.__getitem__, demand_reached))
        return population, searches, signups, population + SEARCH_WEIGHT * searches

    def cover(self, index: int) -> None:
        cities_reached, demand_reached = self.reach(index)
        for i in cities_reached:
            self.population[i] = 0
        for i in demand_reached:
            self.searches[i] = self.signups[i] = 0

    def score_bounds(self) -> list[int]:
        """For each city, at least its score, cheaply: the uncovered population and searches in
        every grid cell its radius's box touches (both grids share one cell size)."""
        by_cell: dict[tuple[int, int], int] = defaultdict(int)
        for grid, weights, weight in ((self.city_grid, self.population, 1),
                                      (self.demand_grid, self.searches, SEARCH_WEIGHT)):
            for key, indices in grid.cells.items():
                by_cell[key] += weight * sum(map(weights.__getitem__, indices))
        bounds = []
        for city in self.cities:
            keys = self.city_grid.cells_near(city.latitude, city.longitude, self.radius_miles, by_cell)
            bounds.append(sum(map(by_cell.__getitem__, keys)))
        return bounds


def _greedy(coverage: _Coverage, count: int) -> Iterator[tuple[int, tuple[int, int, int, int]]]:
    """(city index, gain) of each pick in turn. Lazy greedy: a city's score can only fall as
    coverage grows, so any score once true, or a bound above it, stays an upper bound. A city
    whose true score still comes first in the queue of bounds is the best; the others need not
    be measured (most cities never are)."""
    cities = coverage.cities

    def key(index: int, score: int) -> tuple:
        city = cities[index]
        return (-score, -city.population, city.name, city.state, index)

    heap = [key(i, bound) for i, bound in enumerate(coverage.score_bounds())]
    heapq.heapify(heap)
    picked = 0
    while heap and picked < count:
        index = heapq.heappop(heap)[-1]
        gain = coverage.gain(index)
        fresh = key(index, gain[3])
        if heap and fresh > heap[0]:
            heapq.heappush(heap, fresh)
            continue
        if gain[3] <= 0:
            return
        coverage.cover(index)
        picked += 1
        yield index, gain
