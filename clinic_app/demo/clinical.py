"""Synthetic clinical history for the demo: months of visits with signed notes, pain scores,
Oswestry questionnaires and home programmes, so the practitioner pages show real-looking
content. Every person here is invented. Deterministic (a fixed random seed) and idempotent."""

from __future__ import annotations

import hashlib
import random
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select

from clinic_app.accounts.models import User
from clinic_app.adherence.models import CheckInExercise, ExerciseCheckIn, StopQuestion
from clinic_app.clinics.models import Clinic
from clinic_app.demo import adherence_model
from clinic_app.demo.screening import seed_patient_screens
from clinic_app.extensions import db
from clinic_app.patients.models import Patient
from clinic_app.scheduling.models import Booking, BookingStatus, Practitioner, Service, WorkingHours
from clinic_app.treatments.episodes import episode_for_visit
from clinic_app.treatments.library import seed_exercise_library
from clinic_app.treatments.models import (
    Chart,
    Episode,
    Exercise,
    NoteStatus,
    OdiResponse,
    Programme,
    ProgrammeExercise,
    TreatmentNote,
)
from clinic_app.treatments.rules import odi_score

FIRST_NAMES = ["Alex", "Sam", "Jamie", "Morgan", "Drew", "Robin", "Kai", "Noa", "Ari", "Lee", "Jess", "Toni",
               "Dana", "Reese", "Blair", "Sage", "Remy", "Jules", "Ash", "Cam"]
LAST_NAMES = ["Rivera", "Chen", "Okoro", "Schmidt", "Dubois", "Haddad", "Kim", "Silva", "Novak", "Brennan",
              "Alvarez", "Ito", "Mensah", "Quinn", "Lindqvist"]
CONDITIONS = ["Mechanical low back pain", "Lumbar disc irritation with sciatica", "Neck pain with stiffness",
              "Sacroiliac joint pain", "Postural thoracic pain", "Chronic non-specific low back pain"]
# The body area each condition is treated in: it picks the note's region and the exercises.
AREA_OF_CONDITION = {"Neck pain with stiffness": "cervical", "Sacroiliac joint pain": "sacroiliac",
                     "Postural thoracic pain": "thoracic"}  # the rest: lumbar
# How pain moves over the visits: the mix head office wants to see (most improve, some don't).
COURSES = {"improves": (7, -1.0), "plateaus": (6, -0.2), "worsens": (5, 0.4)}
# Each patient keeps one weekly time; these leave room for the 15-minute buffer after an
# assessment and miss the demo lunch breaks.
VISIT_HOURS = (time(10), time(13), time(14, 30))
PATIENTS_PER_PRACTITIONER = 12
CLINICS_WITH_HISTORY = 3


def seed_clinical_history(today: date, seed: int = 2026) -> int:
    """Add patients with past visits at the first demo clinics; return how many patients were
    added (none on a second run). Every run joins the first one to the demo patient account."""
    seed_exercise_library()
    added = 0
    if db.session.scalar(select(TreatmentNote.id).limit(1)) is None:
        added = _seed_patients(today, seed)
    _link_demo_patient()
    db.session.flush()
    return added


def _seed_patients(today: date, seed: int) -> int:
    rng = random.Random(seed)
    services = {s.slug: s for s in db.session.scalars(select(Service))}
    exercises = list(db.session.scalars(select(Exercise).order_by(Exercise.id)))
    added = 0
    for clinic in _clinics_with_practitioners():
        for practitioner in _practitioners_at(clinic):
            for index in range(PATIENTS_PER_PRACTITIONER):
                patient = _patient(rng, added)
                _history(rng, clinic, practitioner, patient, index, services, exercises, today)
                added += 1
    _check_ins(rng, today)
    return added


def _check_ins(rng: random.Random, today: date) -> None:
    """Each demo patient's check-ins and "why did you stop?" answer, from the generative model
    of demo/adherence_model.py, over all their programme versions as one course."""
    programmes = db.session.scalars(select(Programme).order_by(Programme.patient_id, Programme.version)).all()
    by_patient: dict[int, list[Programme]] = {}
    for programme in programmes:
        by_patient.setdefault(programme.patient_id, []).append(programme)
    for versions in by_patient.values():
        zone = ZoneInfo(versions[0].clinic.timezone)
        starts = [version.created_at.astimezone(zone).date() for version in versions]
        course = adherence_model.simulate(rng, starts[0], today,
                                          [(on, [item.exercise.slug for item in version.items])
                                           for on, version in zip(starts, versions, strict=True)],
                                          rng.randrange(4, 8))
        for logged in course.logged:
            version = [v for on, v in zip(starts, versions, strict=True) if on <= logged.on][-1]
            _add_check_in(version, logged)
        if course.reason is not None and course.stopped_on is not None and \
                course.stopped_on + timedelta(days=3) <= today:
            _add_stop_answer(versions[0], starts[0], course.stopped_on, course, zone)
    db.session.flush()


def _add_check_in(programme: Programme, day: adherence_model.Day) -> None:
    db.session.add(ExerciseCheckIn(
        patient_id=programme.patient_id, programme_id=programme.id, on_date=day.on, pain=day.pain,
        feeling=day.feeling.value if day.feeling else None,
        exercises=[CheckInExercise(exercise_id=item.exercise_id,
                                   sets_done=item.sets if item.exercise.slug in day.done else 0,
                                   rating=(rating.value if (rating := day.done.get(item.exercise.slug)) else None))
                   for item in programme.items],
    ))


def _add_stop_answer(first: Programme, started_on: date, stopped_on: date, course: adherence_model.Course,
                     zone: ZoneInfo) -> None:
    asked = datetime.combine(stopped_on + timedelta(days=3), time(19), tzinfo=zone).astimezone(UTC)
    last = max((day.on for day in course.logged if day.done), default=None)
    db.session.add(StopQuestion(
        patient_id=first.patient_id, clinic_id=first.clinic_id, course_started_on=started_on, last_exercised_on=last,
        token_hash=hashlib.sha256(f"demo-stop-question-{first.patient_id}".encode()).hexdigest(), asked_at=asked,
        answered_at=asked + timedelta(hours=2), reason=course.reason.value if course.reason else None))


def _clinics_with_practitioners() -> list[Clinic]:
    query = select(Clinic).join(WorkingHours, WorkingHours.clinic_id == Clinic.id).distinct().order_by(Clinic.id)
    return list(db.session.scalars(query.limit(CLINICS_WITH_HISTORY)))


def _practitioners_at(clinic: Clinic) -> list[Practitioner]:
    query = (select(Practitioner).join(WorkingHours).where(WorkingHours.clinic_id == clinic.id)
             .distinct().order_by(Practitioner.id))
    return list(db.session.scalars(query))


def _patient(rng: random.Random, n: int) -> Patient:
    first, last = FIRST_NAMES[n % len(FIRST_NAMES)], LAST_NAMES[(n * 7) % len(LAST_NAMES)]
    patient = Patient(first_name=first, last_name=last, email=f"{first}.{last}.{n}@patients.example".lower(),
                      phone=f"(555) 01{n // 100 % 10}-{n % 100:02d}00",
                      date_of_birth=date(1950 + rng.randrange(50), rng.randrange(1, 13), rng.randrange(1, 28)))
    db.session.add(patient)
    db.session.flush()
    return patient


def _history(rng, clinic, practitioner, patient, index, services, exercises, today) -> None:
    """Weekly visits at the patient's own weekly time, ending before today; some patients are
    booked in today (on a weekday) and some have their next visit booked."""
    course = list(COURSES)[index % 3 if index % 5 else 0]  # 3 in 5 improve
    start_pain, step = COURSES[course]
    visits = rng.randrange(3, 9)
    first_day = _weekday_on_or_after(today - timedelta(weeks=visits + rng.randrange(0, 6)), index % 5)
    hour = VISIT_HOURS[(index // 5) % len(VISIT_HOURS)]
    zone = ZoneInfo(clinic.timezone)
    closed = {closure.closed_on for closure in clinic.closures}
    area = AREA_OF_CONDITION.get(_chart(rng, clinic, patient, first_day), "lumbar")
    episode: Episode | None = None
    for number in range(visits):
        day = first_day + timedelta(weeks=number)
        if day >= today:
            break
        if day in closed:
            continue
        service = services["initial-assessment" if number == 0 else "follow-up"]
        start = datetime.combine(day, hour, tzinfo=zone).astimezone(UTC)
        booking = _booking(clinic, practitioner, patient, service, start, BookingStatus.COMPLETED)
        episode = episode or episode_for_visit(booking)  # the first visit opens the episode of care
        pain = max(0, min(10, round(start_pain + step * number + rng.uniform(-0.8, 0.8))))
        _note(booking, practitioner, pain, rng, episode.id, area)
        if number % 4 == 0:
            _odi(patient, booking, pain, rng, "intake" if number == 0 else "progress", episode.id)
        if number in (0, 3):
            _programme(booking, practitioner, exercises, rng, number, area)
    if index < len(VISIT_HOURS) and today.weekday() < 5:
        # The first few also come in today, so the practitioner's day is not empty.
        start = datetime.combine(today, VISIT_HOURS[index], tzinfo=zone).astimezone(UTC)
        _booking(clinic, practitioner, patient, services["follow-up"], start, BookingStatus.BOOKED)
    if index % 4 == 0:
        next_day = _weekday_on_or_after(today + timedelta(days=2), index % 5)
        start = datetime.combine(next_day, hour, tzinfo=zone).astimezone(UTC)
        _booking(clinic, practitioner, patient, services["follow-up"], start, BookingStatus.BOOKED)
    seed_patient_screens(patient, practitioner, course)  # demo/screening.py: red flags, STarT Back


def _weekday_on_or_after(day: date, weekday: int) -> date:
    return day + timedelta(days=(weekday - day.weekday()) % 7)


def _chart(rng, clinic, patient, first_visit: date) -> str:
    condition = rng.choice(CONDITIONS)
    db.session.add(Chart(patient_id=patient.id, clinic_id=clinic.id, condition=condition,
                         onset_date=first_visit - timedelta(weeks=rng.choice((2, 5, 9, 20, 52)))))
    rng.random()  # the draw that ticked red flags here once: kept, so the rest of the demo stays as it was
    return condition


def _booking(clinic, practitioner, patient, service, start, status) -> Booking:
    end = start + timedelta(minutes=service.duration_minutes)
    booking = Booking(
        reference=hashlib.sha256(f"{patient.id}{start}".encode()).hexdigest()[:8].upper(),
        clinic_id=clinic.id, practitioner_id=practitioner.id, service_id=service.id, patient_id=patient.id,
        start_at=start, end_at=end, blocked_until=end + timedelta(minutes=service.buffer_after_minutes),
        status=status, source="demo", new_patient=service.new_patients_only,
        manage_token_hash=hashlib.sha256(f"demo-{patient.id}-{start}".encode()).hexdigest(),
        created_at=start - timedelta(days=5),
    )
    db.session.add(booking)
    db.session.flush()
    return booking


def _note(booking, practitioner, pain: int, rng, episode_id: int, area: str) -> None:
    signed = booking.end_at + timedelta(minutes=20)
    db.session.add(TreatmentNote(
        booking_id=booking.id, patient_id=booking.patient_id, author_id=practitioner.user_id, episode_id=episode_id,
        body_region=area,
        subjective=f"Reports pain {pain}/10, worse after sitting. Doing the home exercises most days.",
        objective="Reduced lumbar flexion; no neurological deficit; straight leg raise negative.",
        assessment="Mechanical pain, responding to loading." if pain < 6 else "Irritable; progress loading slowly.",
        plan="Continue the home programme; review in one week.",
        techniques=["manual therapy", "exercise therapy"],
        pain_before=pain,
        pain_after=max(0, pain - rng.choice((1, 2))),
        status=NoteStatus.SIGNED, created_at=booking.start_at, updated_at=signed, signed_at=signed,
    ))


def _odi(patient, booking, pain: int, rng, timepoint: str, episode_id: int) -> None:
    answers = [max(0, min(5, round(pain / 2 + rng.uniform(-1, 1)))) for _ in range(10)]
    answers[7] = None if rng.random() < 0.3 else answers[7]  # the section patients most often skip
    db.session.add(OdiResponse(patient_id=patient.id, booking_id=booking.id, clinic_id=booking.clinic_id,
                               episode_id=episode_id, recorded_by_id=None, taken_at=booking.end_at,
                               timepoint=timepoint, answers=answers, score=odi_score(answers)))


def _programme(booking, practitioner, exercises, rng, visit_number: int, area: str) -> None:
    """A programme of exercises that suit the complaint's area (adherence_model.SUITABLE)."""
    patient, at = booking.patient, booking.start_at
    current = db.session.scalar(select(Programme).where(Programme.patient_id == patient.id,
                                                        Programme.replaced_at.is_(None)))
    if current is not None:
        current.replaced_at = at
        db.session.flush()
    suitable = [e for e in exercises if e.slug in adherence_model.SUITABLE[area]]
    chosen = rng.sample(suitable, min(len(suitable), 3 if visit_number == 0 else 4))
    db.session.add(Programme(
        patient_id=patient.id, practitioner_id=practitioner.id, clinic_id=booking.clinic_id,
        version=2 if current else 1, created_at=at,
        access_token_hash=hashlib.sha256(f"demo-programme-{patient.id}-{visit_number}".encode()).hexdigest(),
        items=[ProgrammeExercise(exercise_id=e.id, position=i, sets=e.sets, reps=e.reps, hold_seconds=e.hold_seconds,
                                 times_per_day=e.times_per_day, minutes=e.minutes) for i, e in enumerate(chosen)],
    ))
    db.session.flush()


def _link_demo_patient() -> None:
    """patient@example.com is the first demo patient, so the portal has a history to show;
    joined again when it was unlinked (as from an account whose e-mail was not confirmed)."""
    user = db.session.scalar(select(User).where(User.email == "patient@example.com"))
    first = db.session.scalar(select(Patient).order_by(Patient.id))
    if user is not None and first is not None and first.user_id in (None, user.id):
        first.user_id = user.id
        first.email = user.email
        user.date_of_birth = first.date_of_birth  # the account's visits are matched by e-mail and birth date
