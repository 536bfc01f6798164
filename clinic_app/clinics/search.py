"""Find the clinics nearest a place: an indexed box in SQL, then exact distances for a few.

The box starts small and grows until it holds enough clinics that are provably nearer than
anything outside it, so a dense network costs one small query and a sparse one a few; no
search ever measures every clinic. A patient's search asks several such questions at once
(open clinics, clinics opening soon): each round sends one query for all that are unanswered.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache

from sqlalchemy import bindparam, select, union_all
from sqlalchemy.orm import selectinload

from clinic_app.clinics.models import Clinic, ClinicStatus
from clinic_app.clinics.rules import is_served
from clinic_app.clinics.signals import nearest_searched
from clinic_app.extensions import db
from clinic_app.geo.geocoding import Place
from clinic_app.geo.geometry import Box, bounding_box, nearest_by_geodesic

FIRST_RADIUS_MILES = 25.0
GROWTH = 4.0
# Beyond this every clinic on Earth is inside the box.
HALF_EARTH_MILES = 12_500.0
# Clinics opening soon that a patient's search lists, within the service radius.
COMING_SOON_LISTED = 3


@dataclass(frozen=True)
class NearbyClinic:
    clinic: Clinic
    distance_miles: float


@dataclass(frozen=True)
class _Question:
    """The ``limit`` clinics in ``status`` nearest the origin, within ``widest`` miles; the
    search's box starts at ``first_radius`` miles."""

    limit: int
    widest: float
    status: str
    first_radius: float


def find_nearest_clinics(
    latitude: float,
    longitude: float,
    limit: int = 5,
    radius_miles: float | None = None,
    status: ClinicStatus = ClinicStatus.OPEN,
) -> list[NearbyClinic]:
    """The ``limit`` clinics in ``status`` nearest the point, nearest first, each with its
    geodesic distance; only those within ``radius_miles`` when it is given."""
    ranked = _nearest_ids(latitude, longitude, [_question(limit, radius_miles, status)])[0]
    return _with_clinics(ranked)[0]


def _question(limit: int, radius_miles: float | None, status: str, first_radius=FIRST_RADIUS_MILES) -> _Question:
    widest = HALF_EARTH_MILES if radius_miles is None else min(radius_miles, HALF_EARTH_MILES)
    return _Question(limit, widest, str(status), min(first_radius, widest))


def _with_clinics(*rankings: list[tuple[int, float]]) -> list[list[NearbyClinic]]:
    """Each ranking of (clinic id, miles) as NearbyClinics, loading every clinic they name, with
    its opening hours and closures, in one go (three statements however many rankings)."""
    ids = {clinic_id for ranked in rankings for clinic_id, _ in ranked}
    if not ids:
        return [[] for _ in rankings]
    clinics = db.session.scalars(
        select(Clinic)
        .where(Clinic.id.in_(ids))
        .options(selectinload(Clinic.opening_hours), selectinload(Clinic.closures))
    )
    by_id = {clinic.id: clinic for clinic in clinics}
    return [[NearbyClinic(by_id[clinic_id], miles) for clinic_id, miles in ranked] for ranked in rankings]


def _nearest_ids(latitude: float, longitude: float, questions: list[_Question]) -> list[list[tuple[int, float]]]:
    """The answer to each question as (clinic id, miles), nearest first.

    Each question's box grows (GROWTH times) while it holds fewer than ``limit`` clinics within
    its radius. A round sends one query for the questions still open: per status, the largest
    of their boxes; each question then keeps only the rows inside its own box, so it ranks
    exactly the candidates a query of its own would have returned.
    """
    radii = [question.first_radius for question in questions]
    answers: list[list[tuple[int, float]] | None] = [None] * len(questions)
    while unanswered := [n for n, answer in enumerate(answers) if answer is None]:
        boxes: dict[str, float] = {}
        for n in unanswered:
            boxes[questions[n].status] = max(radii[n], boxes.get(questions[n].status, 0.0))
        found = _candidates_in_boxes(latitude, longitude, boxes)
        for n in unanswered:
            question, radius = questions[n], radii[n]
            candidates = found[question.status]
            if radius < boxes[question.status]:  # a larger box was asked for another question
                box = bounding_box(latitude, longitude, radius)
                candidates = tuple(row for row in candidates if _inside(box, row[1], row[2]))
            ranked = _rank((latitude, longitude), candidates, question.limit)
            within = [(clinic_id, miles) for clinic_id, miles in ranked if miles <= radius]
            # Everything outside the box is farther than ``radius``, so these are final.
            if len(within) == question.limit or radius >= question.widest:
                answers[n] = within
            else:
                radii[n] = min(radius * GROWTH, question.widest)
    return [answer for answer in answers if answer is not None]  # every one, once the loop ends


# Rankings of up to this many candidates are remembered (a few kilobytes each): searches from
# ZIP centres repeat, and each geodesic costs about 0.05 ms. Larger ones (far offshore) are not.
MEMO_MAX_CANDIDATES = 200


def _rank(origin: tuple[float, float], candidates: tuple, limit: int) -> list[tuple[int, float]]:
    if len(candidates) <= MEMO_MAX_CANDIDATES:
        return _ranked(origin, candidates, limit)
    return nearest_by_geodesic(origin, list(candidates), limit)


@lru_cache(maxsize=1024)
def _ranked(origin: tuple[float, float], candidates: tuple[tuple[int, float, float], ...], limit: int):
    """nearest_by_geodesic, remembered: a pure function of its arguments (the candidates carry
    their coordinates, so a clinic that moves or changes status is a different key)."""
    return nearest_by_geodesic(origin, list(candidates), limit)


def _inside(box: Box, latitude: float, longitude: float) -> bool:
    """The test the box query makes in SQL (BETWEEN includes both ends)."""
    if not box.min_latitude <= latitude <= box.max_latitude:
        return False
    return box.min_longitude is None or box.max_longitude is None or box.min_longitude <= longitude <= box.max_longitude


def _candidates_in_boxes(latitude, longitude, radius_by_status: dict[str, float]) -> dict[str, tuple]:
    """{status: ((id, latitude, longitude), ...)} of the clinics inside each status's box, in one
    statement (UNION ALL of one indexed box query per status: ix_clinics_status_latitude_longitude).
    Plain rows through the session's connection, not ORM objects."""
    boxes = [(status, bounding_box(latitude, longitude, radius)) for status, radius in radius_by_status.items()]
    statement = _box_statement(tuple(box.min_longitude is not None for _, box in boxes))
    parameters: dict[str, str | float] = {}
    for n, (status, box) in enumerate(boxes):
        parameters |= {f"status_{n}": status, f"min_lat_{n}": box.min_latitude, f"max_lat_{n}": box.max_latitude}
        if box.min_longitude is not None and box.max_longitude is not None:
            parameters |= {f"min_lng_{n}": box.min_longitude, f"max_lng_{n}": box.max_longitude}
    found: dict[str, list] = {status: [] for status in radius_by_status}
    # .all() fetches the rows in one call; iterating the result would fetch them one by one.
    for clinic_id, clinic_latitude, clinic_longitude, status in (
        db.session.connection().execute(statement, parameters).all()
    ):
        found[status].append((clinic_id, clinic_latitude, clinic_longitude))
    return {status: tuple(rows) for status, rows in found.items()}


@lru_cache(maxsize=8)
def _box_statement(longitude_bounded: tuple[bool, ...]):
    """The box queries, one per status (its longitude bounded or not), built once per shape:
    building a statement costs more than the database takes to run it."""
    queries = []
    for n, bounded in enumerate(longitude_bounded):
        query = select(Clinic.id, Clinic.latitude, Clinic.longitude, Clinic.status).where(
            Clinic.status == bindparam(f"status_{n}"),
            Clinic.latitude.between(bindparam(f"min_lat_{n}"), bindparam(f"max_lat_{n}")),
        )
        if bounded:
            query = query.where(Clinic.longitude.between(bindparam(f"min_lng_{n}"), bindparam(f"max_lng_{n}")))
        queries.append(query)
    return queries[0] if len(queries) == 1 else union_all(*queries)


@dataclass(frozen=True)
class NearbyRanking:
    """A patient's search as (clinic id, miles) pairs, nearest first, before loading clinics."""

    origin: Place
    results: list[tuple[int, float]]
    coming_soon: list[tuple[int, float]]
    nearest_open_miles: float | None
    service_radius_miles: float


@dataclass(frozen=True)
class NearbySearch:
    origin: Place
    results: list[NearbyClinic]
    coming_soon: list[NearbyClinic]
    nearest_open_miles: float | None
    service_radius_miles: float

    @property
    def served(self) -> bool:
        return is_served(self.nearest_open_miles, self.service_radius_miles)


def rank_near(
    origin: Place, limit: int, radius_miles: float | None, service_radius_miles: float, now: datetime
) -> NearbyRanking:
    """A patient's search: the nearest open clinics, those opening soon within the service
    radius; and the search is announced (nearest_searched: demand records an anonymous point of
    how far the nearest open clinic was)."""
    questions = [
        _question(limit, radius_miles, ClinicStatus.OPEN),
        # Clinics opening soon are few (a tenth of the network): their whole service-radius box
        # is asked for at once, saving the second round a 25-mile box would usually need.
        _question(COMING_SOON_LISTED, service_radius_miles, ClinicStatus.COMING_SOON, service_radius_miles),
    ]
    if radius_miles is not None:  # the nearest open clinic, however far, for the demand point
        questions.append(_question(1, None, ClinicStatus.OPEN))
    open_ranked, soon_ranked, *anywhere = _nearest_ids(origin.latitude, origin.longitude, questions)
    nearest = anywhere[0] if anywhere else open_ranked[:1]
    nearest_miles = nearest[0][1] if nearest else None
    nearest_searched.send(origin, nearest_open_miles=nearest_miles, service_radius_miles=service_radius_miles, now=now)
    return NearbyRanking(origin, open_ranked, soon_ranked, nearest_miles, service_radius_miles)


def search_near(
    origin: Place, limit: int, radius_miles: float | None, service_radius_miles: float, now: datetime
) -> NearbySearch:
    """``rank_near`` with each clinic loaded, opening hours and closures included."""
    ranking = rank_near(origin, limit, radius_miles, service_radius_miles, now)
    results, coming_soon = _with_clinics(ranking.results, ranking.coming_soon)
    return NearbySearch(origin, results, coming_soon, ranking.nearest_open_miles, service_radius_miles)
