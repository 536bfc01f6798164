"""Funnel-plot control limits: is a clinic's share out of line with the network's, given how
many cases it rests on? (Spiegelhalter DJ. Funnel plots for comparing institutional
performance. Stat Med 2005;24:1185-202.)

Under the hypothesis that every clinic has the network's rate ``theta``, a clinic with ``n``
cases has Binomial(n, theta) events. Its limits at probability p are the exact binomial
p-quantile, interpolated (the paper's appendix): r_p is the smallest r with P(R <= r) >= p,
alpha = (P(R <= r_p) - p) / (P(R <= r_p) - P(R <= r_p - 1)), and the limit is (r_p - alpha) / n,
never below 0.
The 95% limits are p = 0.025 and 0.975, the 99.8% limits p = 0.001 and 0.999. Pure: no
database, no request.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from enum import StrEnum

# Two-sided coverage -> the lower tail probability (the upper is 1 minus it).
LIMITS = {0.95: 0.025, 0.998: 0.001}
# The quantile search starts this many standard deviations below the mean: the mass further
# down is below 1e-30 and cannot move a limit.
TAIL_SD = 12


@dataclass(frozen=True)
class Limits:
    n: int
    low_95: float
    high_95: float
    low_998: float
    high_998: float


class Position(StrEnum):
    """Where a clinic's share falls against the network's limits for its size."""

    ABOVE_998 = "above the 99.8% limit"
    ABOVE_95 = "above the 95% limit"
    WITHIN = "within the 95% limits"
    BELOW_95 = "below the 95% limit"
    BELOW_998 = "below the 99.8% limit"


def binomial_limit(n: int, theta: float, p: float) -> float:
    """The interpolated exact p-quantile of Binomial(n, theta), as a proportion of n."""
    if n <= 0:
        raise ValueError("a funnel limit needs one case or more")
    if theta <= 0 or theta >= 1:
        return theta  # every clinic has 0% (or 100%): there is nothing to vary
    start = max(0, math.floor(n * theta - TAIL_SD * math.sqrt(n * theta * (1 - theta))))
    previous, cumulative = 0.0, 0.0
    for r in range(start, n + 1):
        previous, cumulative = cumulative, cumulative + _pmf(n, r, theta)
        if cumulative >= p:
            alpha = (cumulative - p) / (cumulative - previous)
            return max(0.0, (r - alpha) / n)  # at r = 0 the interpolation would fall below 0%
    return 1.0


def _pmf(n: int, r: int, theta: float) -> float:
    log = math.lgamma(n + 1) - math.lgamma(r + 1) - math.lgamma(n - r + 1)
    return math.exp(log + r * math.log(theta) + (n - r) * math.log1p(-theta))


def control_limits(n: int, theta: float) -> Limits:
    """The 95% and 99.8% limits for a clinic with ``n`` cases around the network rate ``theta``."""
    low_95, low_998 = LIMITS[0.95], LIMITS[0.998]
    return Limits(n, binomial_limit(n, theta, low_95), binomial_limit(n, theta, 1 - low_95),
                  binomial_limit(n, theta, low_998), binomial_limit(n, theta, 1 - low_998))


def position(events: int, n: int, theta: float) -> Position:
    """The band a clinic's share events/n falls in; on a limit counts as within it."""
    limits, observed = control_limits(n, theta), events / n
    if observed > limits.high_998:
        return Position.ABOVE_998
    if observed > limits.high_95:
        return Position.ABOVE_95
    if observed < limits.low_998:
        return Position.BELOW_998
    if observed < limits.low_95:
        return Position.BELOW_95
    return Position.WITHIN


def network_rate(units: list[tuple[int, int]]) -> float | None:
    """The pooled rate of (events, cases) pairs: all events over all cases."""
    cases = sum(n for _, n in units)
    return sum(events for events, _ in units) / cases if cases else None
