"""Demo screening at each demo patient's intake visit, drawn from a stated model (no figure is
aimed at; each patient has a random generator of its own, so the rest of the demo is unchanged):

- STarT Back, answered by the patient two days before the intake visit: each physical item
  (1-4) is "agree" with probability 0.5; each psychosocial item (5-8) with a probability that
  follows the patient's course in the demo (improves 0.25, plateaus 0.45, worsens 0.6: worry and
  low mood go with worse outcomes, the premise of stratified care); item 9 ("bothersome") is
  drawn from 0-4, shifted one up for a patient who worsens. The risk group is the published
  scoring's (screening.rules.startback_score), never set directly.
- Red flags, answered by the patient and confirmed by the practitioner at the intake visit:
  each urgent flag is present with probability 0.02, the age risk factor with 0.05, and cauda
  equina signs with 0.01; an emergency has its action recorded at the visit (referred to the
  emergency department), so no demo patient's notes are held.
"""

from __future__ import annotations

import random
from datetime import timedelta

from sqlalchemy import select

from clinic_app.extensions import db
from clinic_app.patients.models import Patient
from clinic_app.scheduling.models import Booking, Practitioner
from clinic_app.screening.models import RedFlagScreen, StartBackScreen
from clinic_app.screening.rules import SCREEN_FLAGS, Tier, startback_score, tier_of

PSYCHOSOCIAL_AGREE = {"improves": 0.25, "plateaus": 0.45, "worsens": 0.6}
FLAG_CHANCE = {Tier.URGENT: 0.02, Tier.REVIEW: 0.05, Tier.EMERGENCY: 0.01}


def seed_patient_screens(patient: Patient, practitioner: Practitioner, course: str) -> None:
    intake = db.session.scalar(select(Booking).where(Booking.patient_id == patient.id)
                               .order_by(Booking.start_at).limit(1))
    if intake is None:
        return
    rng = random.Random(f"demo-screening-{patient.id}")
    answers = [int(rng.random() < 0.5) for _ in range(4)]
    answers += [int(rng.random() < PSYCHOSOCIAL_AGREE[course]) for _ in range(4)]
    answers.append(min(4, rng.randrange(5) + (course == "worsens")))
    result = startback_score(answers)
    answered_at = intake.start_at - timedelta(days=2)
    db.session.add(StartBackScreen(patient_id=patient.id, clinic_id=intake.clinic_id, booking_id=intake.id,
                                   source="patient", answers=answers, total=result.total,
                                   psychosocial=result.psychosocial, risk_group=result.group.value,
                                   taken_at=answered_at))
    findings = [code for code, flag in SCREEN_FLAGS.items() if rng.random() < FLAG_CHANCE[flag.tier]]
    tier = tier_of(findings)
    acted = tier == Tier.EMERGENCY
    db.session.add(RedFlagScreen(
        patient_id=patient.id, clinic_id=intake.clinic_id, booking_id=intake.id, source="patient",
        findings=findings, tier=tier.code, screened_at=answered_at, confirmed_at=intake.start_at,
        confirmed_by_id=practitioner.user_id, action_code="emergency_department" if acted else None,
        action_detail="Demo: sent to the emergency department" if acted else "",
        action_at=intake.start_at if acted else None, action_by_id=practitioner.user_id if acted else None))
