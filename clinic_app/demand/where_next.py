"""Where to open next: candidate cities chosen greedily. Pure functions (no database).

A place is *covered* when an open clinic, a clinic in the pipeline that counts (see below)
or an earlier pick lies within the radius, in great-circle (haversine) miles: within 0.6% of
the geodesic the patients' search uses (a quarter of a mile at 50 miles), and cheap enough to
measure hundreds of thousands of pairs. Opening in a candidate city would newly cover:

- the population of every candidate city whose centre is within the radius and not yet
  covered (the city's own people included; a city counts whole, at its centre point), and
- the searches recorded at demand points within the radius and not yet covered.

    score = population newly covered + SEARCH_WEIGHT x searches newly covered

The best-scoring city is picked, everything it covers is marked covered, and the others are
scored again on what is left: a second city whose people the first pick already reaches
scores only what remains. Ties go to the larger city, then by name. Picking stops at the
count asked for, or when no city would cover anything new.

Only cities with ``min_population`` people of their own are proposed (the city proper: a
suburb is not ranked on its metro's people), but every city counts among the people a pick
reaches. Clinics in the rollout pipeline (from a chosen stage) may count as coverage, like
the open ones: a place a signed lease will serve is not proposed again.

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


class PlannedClinic(NamedTuple):
    """A clinic in the pipeline: where, its name, how far along (words), and whether it counts
    as coverage (the page's toggle and chosen stage decide; rollout/service.py says which)."""

    latitude: float
    longitude: float
    name: str = ""
    stage_label: str = ""
    covers: bool = True


@dataclass(frozen=True)
class NearestClinic:
    name: str
    miles: float
    stage_label: str = ""


@dataclass(frozen=True)
class Pick:
    rank: int
    city: CandidateCity
    population_gained: int
    searches_covered: int
    signups_covered: int
    score: int
    # The nearest existing clinic (earlier picks not counted); None with no clinic.
    nearest_clinic_miles: float | None
    nearest_existing: NearestClinic | None = None
    nearest_planned: NearestClinic | None = None
    # Context: everyone within the radius, covered or not, and the largest place among them
    # when it is not the city itself (the metro a suburb belongs to).
    people_within_radius: int = 0
    metro_anchor: CandidateCity | None = None


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
    clinics: Sequence[tuple[float, float] | PlannedClinic],
    radius_miles: float,
    count: int,
    planned: Sequence[PlannedClinic] = (),
    min_population: int = 0,
) -> WhereNext:
    """Up to ``count`` cities, best first, chosen greedily by the rule in this module's docstring.
    ``demand`` may be plain (latitude, longitude, searches, signups) tuples: read by position.

    ``clinics`` are the existing ones (points, or PlannedClinic rows for their names): they
    always cover. Of the ``planned`` (the pipeline), those marked ``covers`` cover too, so no
    place they will reach is proposed again. Only cities of ``min_population`` people or more
    are proposed; every city counts among the people a pick reaches."""
    if radius_miles <= 0:
        raise ValueError("The radius must be a positive number of miles.")
    cell_miles = radius_miles / 2
    covering = [(c[0], c[1]) for c in clinics] + [(p.latitude, p.longitude) for p in planned if p.covers]
    city_grid = PointGrid([(c.latitude, c.longitude) for c in cities], cell_miles)
    demand_grid = PointGrid([(lat, lng) for lat, lng, _, _ in demand], cell_miles)
    coverage = _Coverage(
        cities, demand, city_grid, demand_grid, radius_miles,
        city_grid.covered_by(covering, radius_miles),
        demand_grid.covered_by(covering, radius_miles),
    )
    before = coverage.uncovered()
    nearest = _NearestClinics(clinics, planned, cell_miles)
    candidates = [i for i, c in enumerate(cities) if c.population >= min_population]
    picks: list[Pick] = []
    for index, gain in _greedy(coverage, count, candidates):
        city = cities[index]
        existing = nearest.existing(city)
        picks.append(Pick(len(picks) + 1, city, *gain, existing.miles if existing else None, existing,
                          nearest.planned(city), *coverage.metro(index)))
    return WhereNext(picks, *before)


class _NearestClinics:
    """The nearest existing and the nearest planned clinic to a place, by name."""

    def __init__(self, clinics, planned, cell_miles: float):
        self.clinic_rows = [c if isinstance(c, PlannedClinic) else PlannedClinic(c[0], c[1]) for c in clinics]
        self.planned_rows = list(planned)
        self.clinic_grid = PointGrid([(c.latitude, c.longitude) for c in self.clinic_rows], cell_miles)
        self.planned_grid = PointGrid([(p.latitude, p.longitude) for p in self.planned_rows], cell_miles)

    def existing(self, city: CandidateCity) -> NearestClinic | None:
        return self._nearest(self.clinic_grid, self.clinic_rows, city)

    def planned(self, city: CandidateCity) -> NearestClinic | None:
        return self._nearest(self.planned_grid, self.planned_rows, city)

    @staticmethod
    def _nearest(grid: PointGrid, rows: list[PlannedClinic], city: CandidateCity) -> NearestClinic | None:
        found = grid.nearest(city.latitude, city.longitude)
        if found is None:
            return None
        index, miles = found
        return NearestClinic(rows[index].name, miles, rows[index].stage_label)


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

    def metro(self, index: int) -> tuple[int, CandidateCity | None]:
        """Everyone within the radius of city ``index``, covered or not, and the largest city
        among them when it is bigger than the city itself."""
        cities_reached, _ = self.reach(index)
        largest = max(cities_reached, key=lambda i: self.cities[i].population, default=index)
        anchor = self.cities[largest] if self.cities[largest].population > self.cities[index].population else None
        return sum(self.cities[i].population for i in cities_reached), anchor

    def cover(self, index: int) -> None:
        cities_reached, demand_reached = self.reach(index)
        for i in cities_reached:
            self.population[i] = 0
        for i in demand_reached:
            self.searches[i] = self.signups[i] = 0

    def score_bounds(self, candidates: Sequence[int]) -> list[int]:
        """For each candidate city, at least its score, cheaply: the uncovered population and
        searches in every grid cell its radius's box touches (both grids share one cell size)."""
        by_cell: dict[tuple[int, int], int] = defaultdict(int)
        for grid, weights, weight in ((self.city_grid, self.population, 1),
                                      (self.demand_grid, self.searches, SEARCH_WEIGHT)):
            for key, indices in grid.cells.items():
                by_cell[key] += weight * sum(map(weights.__getitem__, indices))
        bounds = []
        for city in map(self.cities.__getitem__, candidates):
            keys = self.city_grid.cells_near(city.latitude, city.longitude, self.radius_miles, by_cell)
            bounds.append(sum(map(by_cell.__getitem__, keys)))
        return bounds


def _greedy(coverage: _Coverage, count: int,
            candidates: Sequence[int]) -> Iterator[tuple[int, tuple[int, int, int, int]]]:
    """(city index, gain) of each pick in turn. Lazy greedy: a city's score can only fall as
    coverage grows, so any score once true, or a bound above it, stays an upper bound. A city
    whose true score still comes first in the queue of bounds is the best; the others need not
    be measured (most cities never are)."""
    cities = coverage.cities

    def key(index: int, score: int) -> tuple:
        city = cities[index]
        return (-score, -city.population, city.name, city.state, index)

    heap = [key(i, bound) for i, bound in zip(candidates, coverage.score_bounds(candidates), strict=True)]
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
