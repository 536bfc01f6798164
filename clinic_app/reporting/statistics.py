"""The estimators behind head office's clinical figures: pure functions, no database.

A SUBSET of issue 16's module of the same name (branch i16-adherence owns it, with Kaplan-Meier
and Welch's interval): same names, same results. At merge, take i16's file whole.

- ``wilson_interval``: the 95% score interval of a proportion (Wilson, JASA 1927;22:209-12;
  Newcombe, Stat Med 1998;17:857-72).
- ``MIN_PATIENTS`` and ``suppressed``: a figure from fewer than 10 patients is not shown.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from statistics import NormalDist

Z_95 = NormalDist().inv_cdf(0.975)  # 1.959963...
# Below this many patients a figure is suppressed: it would identify patients and its interval
# would be too wide to read.
MIN_PATIENTS = 10
SUPPRESSED = "fewer than 10"


def suppressed(patients: int) -> bool:
    """A figure from fewer than MIN_PATIENTS patients is not shown (and 0 patients is no figure)."""
    return patients < MIN_PATIENTS


@dataclass(frozen=True)
class Interval:
    low: float
    high: float


def wilson_interval(successes: int, trials: int, z: float = Z_95) -> Interval | None:
    """The Wilson score interval of successes / trials; None without trials."""
    if trials <= 0:
        return None
    if not 0 <= successes <= trials:
        raise ValueError("successes must be between 0 and trials")
    p = successes / trials
    z2 = z * z
    centre = (p + z2 / (2 * trials)) / (1 + z2 / trials)
    half = z / (1 + z2 / trials) * math.sqrt(p * (1 - p) / trials + z2 / (4 * trials * trials))
    # At 0 or all successes the bound is exactly 0 or 1 (rounding would leave 1e-17 off it).
    return Interval(0.0 if successes == 0 else max(0.0, centre - half),
                    1.0 if successes == trials else min(1.0, centre + half))
