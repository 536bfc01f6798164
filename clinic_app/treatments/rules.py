"""Clinical rules for treatment records: pure functions, no database, ``today`` passed in.

Outcome measures and their thresholds:
- Oswestry Disability Index (ODI) v2.1a: 10 sections scored 0-5; the score is
  sum / (5 x sections answered) x 100, so an unanswered section lowers the maximum instead
  of counting as zero (Fairbank & Pynsent, "The Oswestry Disability Index", Spine
  2000;25(22):2940-52). Bands from the same paper.
- Numeric Pain Rating Scale (NPRS) 0-10.
- Minimal clinically important differences (MCID) for low back pain: 2 points on the NPRS and
  10 points on the ODI (Ostelo et al., "Interpreting change scores for pain and functional
  status in low back pain", Spine 2008;33(1):90-4). Both are settings (NPRS_MCID_POINTS,
  ODI_MCID_POINTS) so a clinical lead can adopt a stricter threshold.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
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


# Red flags for serious pathology in back pain (NICE NG59 and the UK/US red-flag consensus):
# any one ticked puts a prominent warning on the chart.
RED_FLAGS = {
    "saddle_anaesthesia": "Saddle anaesthesia (numbness around the buttocks or genitals)",
    "bladder_bowel": "New bladder or bowel dysfunction (retention, incontinence)",
    "bilateral_leg_symptoms": "Progressive or bilateral leg weakness or numbness",
    "cancer_history": "History of cancer",
    "weight_loss": "Unexplained weight loss",
    "fever": "Fever, or recent infection or IV drug use",
    "trauma": "Significant trauma (a fall from height, a road accident)",
    "night_pain": "Constant pain at night, not eased by rest or position",
    "age_onset": "First episode under 20 or over 55",
}


class Chronicity(StrEnum):
    ACUTE = "acute"  # under 6 weeks
    SUBACUTE = "subacute"  # 6 to 12 weeks
    CHRONIC = "chronic"  # over 12 weeks


class Trend(StrEnum):
    IMPROVED = "improved"
    UNCHANGED = "unchanged"
    WORSE = "worse"
    NOT_ENOUGH_DATA = "not_enough_data"


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


@dataclass(frozen=True)
class Change:
    first: float
    latest: float
    trend: Trend

    @property
    def points(self) -> float:
        """Improvement in points: positive when the score fell (less pain, less disability)."""
        return self.first - self.latest


def change_in(scores: Sequence[float], mcid: float) -> Change | None:
    """First against latest score, where lower is better (NPRS, ODI): improved or worse only
    when the change reaches the minimal clinically important difference."""
    if len(scores) < 2:
        return None
    first, latest = scores[0], scores[-1]
    if first - latest >= mcid:
        trend = Trend.IMPROVED
    elif latest - first >= mcid:
        trend = Trend.WORSE
    else:
        trend = Trend.UNCHANGED
    return Change(first, latest, trend)


def odi_due(visit_number: int, visits_since_last_odi: int | None, discharging: bool) -> bool:
    """The ODI is taken at intake, every 4 to 6 visits (we ask from the 4th visit after the
    last one), and at discharge."""
    if discharging or visit_number == 1 or visits_since_last_odi is None:
        return True
    return visits_since_last_odi >= 4
