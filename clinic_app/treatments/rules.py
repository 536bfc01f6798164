"""Clinical rules for treatment records: pure functions, no database, ``today`` passed in.

Outcome measures and their thresholds:
- Oswestry Disability Index (ODI) v2.1a: 10 sections scored 0-5; the score is
  sum / (5 x sections answered) x 100, so an unanswered section lowers the maximum instead
  of counting as zero (Fairbank & Pynsent, "The Oswestry Disability Index", Spine
  2000;25(22):2940-52). Bands from the same paper.
- Numeric Pain Rating Scale (NPRS) 0-10.
- Whether a patient improved is the outcome rule of clinic_app/reporting/definitions.py
  (one rule for the chart, the portal and head office), per episode of care.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, timedelta
from enum import StrEnum


def times_a_day(times: int) -> str:
    return {1: "once a day", 2: "twice a day"}.get(times, f"{times} times a day")


def describe_dosage(sets: int, reps: int, hold_seconds: int, times_per_day: int, minutes: int = 0) -> str:
    """A prescription as the patient reads it: a timed exercise by its minutes ("20 minutes,
    once a day"), any other by sets, reps and hold ("2 sets of 10 reps, hold 5 seconds, twice a
    day")."""
    if minutes:
        return f"{minutes} {'minute' if minutes == 1 else 'minutes'}, {times_a_day(times_per_day)}"
    dose = f"{sets} {'set' if sets == 1 else 'sets'} of {reps} {'rep' if reps == 1 else 'reps'}"
    if hold_seconds:
        dose += f", hold {hold_seconds} {'second' if hold_seconds == 1 else 'seconds'}"
    return f"{dose}, {times_a_day(times_per_day)}"


ODI_SECTIONS = 10
ODI_SECTION_MAX = 5
# Common clinical practice: with more than two sections unanswered the score says too little
# to act on, so it is not reported.
ODI_MIN_ANSWERED = 8



class Chronicity(StrEnum):
    ACUTE = "acute"  # under 6 weeks
    SUBACUTE = "subacute"  # 6 to 12 weeks
    CHRONIC = "chronic"  # over 12 weeks


def odi_score(answers: Sequence[int | None]) -> float | None:
    """The ODI as a percentage (0 = no disability, 100 = bed-bound), or None when fewer than
    ODI_MIN_ANSWERED of the 10 sections were answered. ``None`` marks an unanswered section."""
    if len(answers) != ODI_SECTIONS:
        raise ValueError(f"The ODI has {ODI_SECTIONS} sections, got {len(answers)}.")
    answered = [a for a in answers if a is not None]
    if any(not 0 <= a <= ODI_SECTION_MAX for a in answered):
        raise ValueError("Each ODI section scores 0 to 5.")
    if len(answered) < ODI_MIN_ANSWERED:
        return None
    return round(sum(answered) / (ODI_SECTION_MAX * len(answered)) * 100, 1)


def odi_band(score: float) -> str:
    """Fairbank's interpretation of an ODI percentage."""
    if score <= 20:
        return "minimal disability"
    if score <= 40:
        return "moderate disability"
    if score <= 60:
        return "severe disability"
    if score <= 80:
        return "crippling back pain"
    return "bed-bound or exaggerating symptoms"


def chronicity(onset: date, today: date) -> Chronicity:
    """Acute under 6 weeks since onset, subacute from 6 to 12 weeks, chronic beyond 12."""
    weeks = (today - onset).days / 7
    if weeks < 6:
        return Chronicity.ACUTE
    if weeks <= 12:
        return Chronicity.SUBACUTE
    return Chronicity.CHRONIC


# Why an episode of care ended. "no_visit" is the automatic close (episode_lapsed); the others
# are the practitioner's, recorded at discharge.
DISCHARGE_REASONS = {
    "goals_met": "Goals met",
    "plateau": "No further progress expected",
    "referred": "Referred on (to a doctor, a specialist, emergency care)",
    "patient_choice": "The patient chose to stop",
}
AUTO_CLOSE_REASON = "no_visit"


def episode_lapsed(last_visit_at: datetime, now: datetime, days: int) -> bool:
    """An open episode closes itself once ``days`` whole days have passed since its latest
    visit with no visit since: exactly ``days`` later it has lapsed."""
    return now - last_visit_at >= timedelta(days=days)


def lapsed_at(last_visit_at: datetime, days: int) -> datetime:
    """When a lapsed episode counts as closed: ``days`` after its latest visit."""
    return last_visit_at + timedelta(days=days)


def note_refusal(status: str) -> str | None:
    """Why a note cannot be started for a visit in this status, or None when it can: only a
    visit the patient came to (checked in, or seen) has a note; a future (still booked) visit,
    a no-show and a cancelled visit do not."""
    return {
        "booked": "This visit has not taken place yet: a note can be started once the patient has checked in.",
        "no_show": "The patient did not come to this visit (no-show), so it has no treatment note.",
        "cancelled": "A cancelled visit has no treatment note.",
    }.get(status)


def odi_due(visit_number: int, visits_since_last_odi: int | None, discharging: bool) -> bool:
    """The ODI is taken at intake, every 4 to 6 visits (we ask from the 4th visit after the
    last one), and at discharge."""
    if discharging or visit_number == 1 or visits_since_last_odi is None:
        return True
    return visits_since_last_odi >= 4
