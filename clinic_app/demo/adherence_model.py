"""The demo's home-exercise behaviour, from a stated generative model (README, "Demo data:
how adherence is generated"). Nothing here types in when patients stop: the claim page's curve
and reasons are what this model produces, so they can come out for or against the claim.

Per patient, from their first prescription (a course; later versions continue it):

- Never starts (no check-in at all) with probability P_NEVER_STARTS.
- A latent responder (probability P_RESPONDER). Each prescribed exercise feels easier, the
  same, or harder/painful for them with RATING_WEIGHTS by responder status, fixed per exercise.
- Each day until they stop: each exercise is done with P_DO (P_DO_HARDER if it feels harder);
  pain moves by PAIN_STEP per exercise done that feels easier (minus) or harder (plus), plus
  noise, between 0 and 10; the day is logged with P_LOGGED.
- They stop with a daily hazard BASE_HAZARD x exp(HARDER_EFFECT x share of harder exercises
  done + PAIN_EFFECT x (pain - 5)), x FELT_BETTER_FACTOR once pain is 2 or less.
- Asked why (after 3 quiet days), they answer with P_ANSWERS: "felt better" when pain was 2
  or less; "too painful" or "made worse" when most of what they did felt harder; "didn't help"
  when pain had not fallen; else "no time" or "forgot".
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field
from datetime import date, timedelta

from clinic_app.adherence.rules import Feeling, Rating
from clinic_app.adherence.stop_questions import StopReason

P_NEVER_STARTS = 0.1
P_RESPONDER = 0.6
RATING_WEIGHTS = {True: (0.5, 0.35, 0.15), False: (0.15, 0.45, 0.4)}  # easier, same, harder
P_DO, P_DO_HARDER = 0.9, 0.6
P_LOGGED = 0.85
PAIN_STEP = 0.3
BASE_HAZARD = 0.08
HARDER_EFFECT = 1.2
PAIN_EFFECT = 0.15
FELT_BETTER_FACTOR = 2.0
P_ANSWERS = 0.6

# Exercises that suit each complaint area (library slugs): no chin tuck for low back pain.
SUITABLE = {
    "lumbar": ("knee-to-chest", "double-knee-to-chest", "pelvic-tilt", "bird-dog", "dead-bug", "abdominal-bracing",
               "cat-cow", "lumbar-rotation", "prone-press-up", "glute-bridge", "hamstring-stretch", "walking"),
    "sacroiliac": ("piriformis-stretch", "glute-bridge", "pelvic-tilt", "hip-flexor-stretch", "knee-to-chest",
                   "bird-dog", "walking"),
    "thoracic": ("cat-cow", "childs-pose", "prone-press-up", "side-plank-knees", "chin-tuck", "walking"),
    "cervical": ("chin-tuck", "cat-cow", "childs-pose", "walking"),
}


@dataclass(frozen=True)
class Day:
    on: date
    pain: int
    feeling: Feeling | None
    done: dict[str, Rating | None]  # slug -> its rating that day (None: not rated); missing: not done


@dataclass
class Course:
    logged: list[Day] = field(default_factory=list)
    stopped_on: date | None = None
    reason: StopReason | None = None  # their answer to "why did you stop?", if they gave one


def simulate(rng: random.Random, start: date, today: date, prescribed: list[tuple[date, list[str]]],
             pain: int) -> Course:
    """One patient's course from ``start`` to the day before ``today``: ``prescribed`` is each
    programme version (from its day) as library slugs."""
    course = Course()
    if rng.random() < P_NEVER_STARTS:
        return course
    responder = rng.random() < P_RESPONDER
    feels: dict[str, Rating] = {}
    level, first_pain = float(pain), pain
    day = start
    while day < today:
        slugs = [version for since, version in prescribed if since <= day][-1]
        for slug in slugs:
            feels.setdefault(slug, rng.choices(list(Rating), weights=RATING_WEIGHTS[responder])[0])
        done = [s for s in slugs if rng.random() < (P_DO_HARDER if feels[s] is Rating.HARDER else P_DO)]
        step = sum({Rating.EASIER: -PAIN_STEP, Rating.SAME: 0.0, Rating.HARDER: PAIN_STEP}[feels[s]] for s in done)
        before, level = level, min(10.0, max(0.0, level + step + rng.gauss(0, 0.5)))
        harder = sum(feels[s] is Rating.HARDER for s in done) / len(done) if done else 0.0
        if rng.random() < P_LOGGED:
            course.logged.append(Day(day, round(level), _feeling(level - before) if done else None,
                                     {s: feels[s] if rng.random() < 0.5 else None for s in done}))
        if rng.random() < _hazard(harder, level):
            course.stopped_on = day + timedelta(days=1)
            course.reason = _reason(rng, level, first_pain, harder)
            break
        day += timedelta(days=1)
    return course


def _hazard(harder_share: float, pain: float) -> float:
    hazard = BASE_HAZARD * math.exp(HARDER_EFFECT * harder_share + PAIN_EFFECT * (pain - 5))
    return min(1.0, hazard * (FELT_BETTER_FACTOR if pain <= 2 else 1.0))


def _feeling(change: float) -> Feeling:
    return Feeling.BETTER if change < -0.25 else Feeling.WORSE if change > 0.25 else Feeling.SAME


def _reason(rng: random.Random, pain: float, first_pain: int, harder_share: float) -> StopReason | None:
    if rng.random() >= P_ANSWERS:
        return None
    if pain <= 2:
        return StopReason.FELT_BETTER
    if harder_share >= 0.5:
        return rng.choice((StopReason.TOO_PAINFUL, StopReason.MADE_WORSE))
    if pain >= first_pain:
        return StopReason.DID_NOT_HELP
    return rng.choice((StopReason.NO_TIME, StopReason.FORGOT))
