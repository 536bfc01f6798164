"""Clinical records, demand and rollouts over the benchmark network.

- 100,000 signed treatment notes: every completed visit of one patient in five (in visit order,
  until there are 100,000), each with a pain score before treatment that starts at 4-9 and falls
  by about half a point a visit, with noise.
- ODI questionnaires at one noted visit in three (intake at the patient's first, then progress),
  scores falling with the visits.
- One home exercise programme of three exercises per noted patient, prescribed at the end of
  their second noted visit, and daily check-ins from the day of prescription until the patient
  stops (about 30% still going on day 3, fewer later), each with pain, a feeling and sets done.
- 100,000 searches (demand points) over the last year, a fifth of them unserved, and 5,000
  opening-alert sign-ups; a rollout with five milestones for every coming-soon clinic.
"""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import select

from bench.reporting.common import bulk_insert
from bench.reporting.data import SEED, Network
from clinic_app.adherence.models import CheckInExercise, ExerciseCheckIn
from clinic_app.clinics.models import Clinic, ClinicStatus
from clinic_app.demand.models import DemandPoint, OpeningAlertSignup
from clinic_app.demand.rules import coarse_point
from clinic_app.extensions import db
from clinic_app.geo.geocoding import all_zip_locations
from clinic_app.rollout.models import ClinicRollout, RolloutMilestone, RolloutStage
from clinic_app.treatments.library import seed_exercise_library
from clinic_app.treatments.models import Exercise, OdiResponse, Programme, ProgrammeExercise, TreatmentNote

NOTES = 100_000
NOTED_PATIENT_SHARE = 5  # one patient in five has notes
SEARCHES, SIGNUPS = 100_000, 5_000
FEELINGS = ("better", "same", "worse", None)


def load_clinical(network: Network, notes: int = NOTES) -> dict[str, int]:
    rng = random.Random(SEED + 2)
    visits = _noted_visits(network, notes)
    counts = {"treatment_notes": bulk_insert(TreatmentNote.__table__, _notes(rng, visits))}
    counts["odi_responses"] = bulk_insert(OdiResponse.__table__, _odi(rng, visits))
    counts.update(_programmes(rng, network, visits))
    return counts


def _noted_visits(network: Network, notes: int) -> list[tuple]:
    """(booking id, patient, start, practitioner's user, practitioner, visit number, clinic)."""
    noted = set(network.patients[::NOTED_PATIENT_SHARE])
    return [visit for visit in network.visits if visit[1] in noted][:notes]


def _pain(rng, patient_id: int, visit_no: int) -> int:
    first = 4 + patient_id % 6
    return max(0, min(10, round(first - 0.5 * (visit_no - 1) + rng.gauss(0, 1))))


def _notes(rng, visits):
    for booking_id, patient_id, start, user_id, _, visit_no, _ in visits:
        signed = start + timedelta(hours=1)
        pain = _pain(rng, patient_id, visit_no)
        yield dict(booking_id=booking_id, patient_id=patient_id, author_id=user_id, body_region="lumbar",
                   subjective="Synthetic note.", objective="", assessment="", plan="", techniques=["manual"],
                   pain_before=pain, pain_after=max(0, pain - rng.randrange(3)), status="signed",
                   created_at=start, updated_at=signed, signed_at=signed)


def _odi(rng, visits):
    seen: set[int] = set()
    for booking_id, patient_id, start, user_id, _, visit_no, clinic_id in visits:
        if booking_id % 3 and patient_id in seen:
            continue
        level = max(0.0, 2.5 - 0.25 * (visit_no - 1))
        answers = [max(0, min(5, round(level + rng.gauss(0, 0.8)))) for _ in range(10)]
        yield dict(patient_id=patient_id, booking_id=booking_id, clinic_id=clinic_id, recorded_by_id=user_id,
                   taken_at=start + timedelta(minutes=5), timepoint="progress" if patient_id in seen else "intake",
                   answers=answers, score=float(sum(answers) * 2))
        seen.add(patient_id)


def _programmes(rng, network: Network, visits) -> dict[str, int]:
    seed_exercise_library()
    db.session.commit()
    exercises = list(db.session.scalars(select(Exercise.id).order_by(Exercise.id)))
    second: dict[int, tuple] = {}
    count: dict[int, int] = {}
    for visit in visits:
        count[visit[1]] = count.get(visit[1], 0) + 1
        if count[visit[1]] == 2:
            second[visit[1]] = visit
    plans = [(patient_id, visit[4], visit[2] + timedelta(minutes=50), visit[6]) for patient_id, visit in second.items()]
    bulk_insert(Programme.__table__, (
        dict(patient_id=patient_id, practitioner_id=pid, clinic_id=clinic_id, version=1, created_at=at,
             replaced_at=None, notes="", access_token_hash=f"p{patient_id:063x}")
        for patient_id, pid, at, clinic_id in plans))
    ids = dict(db.session.execute(select(Programme.patient_id, Programme.id)).all())
    chosen = {ids[patient_id]: rng.sample(exercises, 3) for patient_id, _, _, _ in plans}
    bulk_insert(ProgrammeExercise.__table__, (
        dict(programme_id=prog, exercise_id=ex, position=k, sets=3, reps=10, hold_seconds=0, times_per_day=1,
             notes="") for prog, picked in chosen.items() for k, ex in enumerate(picked)))
    check_ins = list(_check_ins(rng, network.today, [(ids[p], p, at) for p, _, at, _ in plans]))
    counts = {"programmes": len(plans), "exercise_check_ins": bulk_insert(ExerciseCheckIn.__table__, check_ins)}
    first_id = db.session.scalar(select(ExerciseCheckIn.id).order_by(ExerciseCheckIn.id))
    counts["check_in_exercises"] = bulk_insert(CheckInExercise.__table__, (
        dict(check_in_id=first_id + k, exercise_id=ex, sets_done=rng.choice((0, 1, 2, 3, 3)))
        for k, row in enumerate(check_ins) for ex in chosen[row["programme_id"]]))
    return counts


def _check_ins(rng, today: date, programmes):
    """Daily check-ins from the prescription day until the patient stops (or today)."""
    for programme_id, patient_id, at in programmes:
        first = at.date()
        stops = round(rng.expovariate(1 / 4.0)) if rng.random() < 0.8 else rng.randrange(10, 40)
        for offset in range(stops + 1):
            on = first + timedelta(days=offset)
            if on > today:
                break
            if offset and rng.random() < 0.2:  # a missed day
                continue
            stamp = datetime.combine(on, datetime.min.time(), tzinfo=UTC) + timedelta(hours=20)
            yield dict(patient_id=patient_id, programme_id=programme_id, on_date=on,
                       pain=max(0, min(10, 6 - offset // 3 + rng.randrange(-2, 3))),
                       feeling=rng.choices(FEELINGS, (45, 35, 12, 8))[0], created_at=stamp, updated_at=stamp)


def load_demand(today: date) -> dict[str, int]:
    rng = random.Random(SEED + 3)
    zips = sorted(all_zip_locations(), key=lambda z: z.zip_code)
    searches = (_search(rng, rng.choice(zips), today - timedelta(days=rng.randrange(365))) for _ in range(SEARCHES))
    counts = {"demand_points": bulk_insert(DemandPoint.__table__, searches)}
    now = datetime.now(UTC)
    counts["opening_alert_signups"] = bulk_insert(OpeningAlertSignup.__table__, (
        dict(email=f"bench-signup-{n}@example.com", zip_code=z.zip_code, latitude=z.latitude, longitude=z.longitude,
             consented_at=now, unsubscribe_token=f"s{n:063x}", unsubscribed_at=now if n % 10 == 0 else None,
             notified_at=None) for n, z in enumerate(rng.sample(zips, SIGNUPS))))
    return counts


def _search(rng, zip_location, on: date) -> dict:
    point = coarse_point(zip_location.latitude, zip_location.longitude, zip_location.zip_code)
    miles = round(rng.expovariate(1 / 12), 1)
    return dict(searched_on=on, area=point.area, latitude=point.latitude, longitude=point.longitude,
                nearest_open_miles=miles, served=miles <= 25)


def load_rollouts(today: date) -> int:
    """A rollout for every coming-soon clinic, at a stage by its number, with five milestones."""
    clinics = db.session.scalars(select(Clinic.id).where(Clinic.status == ClinicStatus.COMING_SOON)).all()
    stages = list(RolloutStage)[:-1]
    now = datetime.now(UTC)
    bulk_insert(ClinicRollout.__table__, (
        dict(clinic_id=cid, stage=stages[k % len(stages)], notes="", stage_changed_at=now, opened_at=None,
             created_at=now) for k, cid in enumerate(clinics)))
    rollouts = db.session.scalars(select(ClinicRollout.id)).all()
    return bulk_insert(RolloutMilestone.__table__, (
        dict(rollout_id=rid, title=f"Milestone {m}", stage=stages[m], owner_user_id=None, owner_name="Contractor",
             due_on=today + timedelta(days=14 * m - 20), done_on=today - timedelta(days=30) if m == 0 else None,
             notes="") for rid in rollouts for m in range(5)))
