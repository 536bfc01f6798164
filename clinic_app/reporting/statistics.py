"""The estimators behind head office's clinical figures: pure functions, no database.

- ``wilson_interval``: the 95% score interval of a proportion (Wilson, JASA 1927;22:209-12;
  recommended over the Wald interval by Newcombe, Stat Med 1998;17:857-72, and Brown, Cai &
  DasGupta, Stat Sci 2001;16:101-33: it stays inside 0-1 and keeps its coverage at small n
  and at shares near 0 or 1, which are exactly the shares a small clinic shows).
- ``kaplan_meier``: the product-limit estimate of survival (Kaplan & Meier, JASA
  1958;53:457-81) with Greenwood's variance (Greenwood, Reports on Public Health and Medical
  Subjects 33, 1926) and the 95% band on the log(-log) scale (Kalbfleisch & Prentice, The
  Statistical Analysis of Failure Time Data, 2002, s. 4.3), which stays inside 0-1. This is
  R's survfit(conf.type = "log-log"); the tests check it against the 6-MP leukaemia data
  (Freireich et al., Blood 1963) as printed by it.
- ``mean_difference``: the difference of two independent means with Welch's 95% interval
  (Welch, Biometrika 1947;34:28-35). Why Welch: one value per patient (the unit that is
  independent, so a patient with forty check-ins does not count forty times); two groups of
  different sizes and spreads, so no equal-variance assumption (Student's t would assume it).
  A paired or mixed model needs the same patient in both groups, which an exercise done vs.
  not done never gives.
- ``MIN_PATIENTS`` and ``suppressed``: a figure from fewer than 10 patients is not shown.

Times are whole days. Ties: events at a day happen before censorings at the same day, so a
patient censored at day t is still at risk at t (the usual convention, as in R).
"""

from __future__ import annotations

import math
from collections.abc import Iterable
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


@dataclass(frozen=True)
class SurvivalPoint:
    """One day of a Kaplan-Meier curve: the estimate holds from this day until the next point.
    ``low`` and ``high`` are None where the band is undefined (estimate 1 or 0)."""

    day: int
    at_risk: int
    events: int
    censored: int
    estimate: float
    low: float | None
    high: float | None

    def row(self) -> tuple[int, int, int, float, float | None, float | None]:
        """(day, at_risk, events, estimate, low, high): what a chart draws."""
        return self.day, self.at_risk, self.events, self.estimate, self.low, self.high


def kaplan_meier(observations: Iterable[tuple[int, bool]], z: float = Z_95) -> list[SurvivalPoint]:
    """The curve from (time, event) pairs: event True when the patient stopped at ``time``,
    False when censored there (still going when last seen). One point per day with an event
    or a censoring, in day order."""
    events: dict[int, int] = {}
    censored: dict[int, int] = {}
    for time, event in observations:
        counts = events if event else censored
        counts[time] = counts.get(time, 0) + 1
    return kaplan_meier_counts(events, censored, z)


def kaplan_meier_counts(events: dict[int, int], censored: dict[int, int], z: float = Z_95) -> list[SurvivalPoint]:
    """As kaplan_meier, from the number of events and of censorings per day (what SQL counts)."""
    at_risk = sum(events.values()) + sum(censored.values())
    estimate, greenwood = 1.0, 0.0
    curve = []
    for day in sorted(set(events) | set(censored)):
        died, lost = events.get(day, 0), censored.get(day, 0)
        if died:
            estimate *= 1 - died / at_risk
            greenwood = greenwood + died / (at_risk * (at_risk - died)) if died < at_risk else math.inf
        low, high = _log_log_band(estimate, greenwood, z)
        curve.append(SurvivalPoint(day, at_risk, died, lost, estimate, low, high))
        at_risk -= died + lost
    return curve


def _log_log_band(estimate: float, greenwood: float, z: float) -> tuple[float | None, float | None]:
    """S ** exp(+-z * se), se of log(-log S) = sqrt(sum d / (n (n - d))) / |log S|."""
    if estimate <= 0 or estimate >= 1 or math.isinf(greenwood):
        return None, None
    se = math.sqrt(greenwood) / abs(math.log(estimate))
    return estimate ** math.exp(z * se), estimate ** math.exp(-z * se)


@dataclass(frozen=True)
class SurvivalAt:
    """The curve read at a day: the estimate of still going past it, its band, and how many
    patients were still followed (at risk) on that day."""

    day: int
    at_risk: int
    estimate: float
    low: float | None
    high: float | None


def survival_at(curve: list[SurvivalPoint], day: int) -> SurvivalAt | None:
    """The estimate at ``day`` (the last point on or before it, 1 before the first) and how
    many patients were still followed on that day; None for an empty curve."""
    if not curve:
        return None
    before = [point for point in curve if point.day <= day]
    if not before:
        return SurvivalAt(day, _at_risk(curve, day), 1.0, None, None)
    last = before[-1]
    return SurvivalAt(day, _at_risk(curve, day), last.estimate, last.low, last.high)


def _at_risk(curve: list[SurvivalPoint], day: int) -> int:
    """Patients whose time is ``day`` or later: still followed on that day."""
    later = [point for point in curve if point.day >= day]
    return later[0].at_risk if later else 0


@dataclass(frozen=True)
class MeanDifference:
    """Mean of group a minus mean of group b, with Welch's 95% interval."""

    n_a: int
    n_b: int
    mean_a: float
    mean_b: float
    difference: float
    low: float
    high: float


def mean_difference(a: list[float], b: list[float]) -> MeanDifference | None:
    """Welch's interval for mean(a) - mean(b); None unless each group has two values or more
    (a variance needs two) and they are not all identical in both."""
    if len(a) < 2 or len(b) < 2:
        return None
    mean_a, mean_b = sum(a) / len(a), sum(b) / len(b)
    var_a = sum((x - mean_a) ** 2 for x in a) / (len(a) - 1) / len(a)
    var_b = sum((x - mean_b) ** 2 for x in b) / (len(b) - 1) / len(b)
    se2 = var_a + var_b
    difference = mean_a - mean_b
    if se2 == 0:
        return MeanDifference(len(a), len(b), mean_a, mean_b, difference, difference, difference)
    df = se2 ** 2 / (var_a ** 2 / (len(a) - 1) + var_b ** 2 / (len(b) - 1))  # Welch-Satterthwaite
    half = t_quantile(0.975, df) * math.sqrt(se2)
    return MeanDifference(len(a), len(b), mean_a, mean_b, difference, difference - half, difference + half)


def t_quantile(p: float, df: float) -> float:
    """Student's t quantile by the Cornish-Fisher expansion about the normal quantile
    (Abramowitz & Stegun 26.7.5): within 0.004 of the exact value at df 3 and 0.001 from df 5;
    Welch's df is rarely that small once both groups pass the 10-patient floor."""
    z = NormalDist().inv_cdf(p)
    g1 = (z ** 3 + z) / 4
    g2 = (5 * z ** 5 + 16 * z ** 3 + 3 * z) / 96
    g3 = (3 * z ** 7 + 19 * z ** 5 + 17 * z ** 3 - 15 * z) / 384
    g4 = (79 * z ** 9 + 776 * z ** 7 + 1482 * z ** 5 - 1920 * z ** 3 - 945 * z) / 92160
    return z + g1 / df + g2 / df ** 2 + g3 / df ** 3 + g4 / df ** 4
