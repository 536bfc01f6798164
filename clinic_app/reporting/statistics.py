"""Intervals for the shares reporting shows. Pure: no database."""

from __future__ import annotations

from math import sqrt

Z_95 = 1.959964


def wilson_interval(successes: int, n: int, z: float = Z_95) -> tuple[float, float] | None:
    """The Wilson score interval for a proportion (Wilson, JASA 1927; recommended over the
    normal approximation for small n and shares near 0 or 1 by Brown, Cai & DasGupta, Stat Sci
    2001). None when n is 0."""
    if n <= 0:
        return None
    p = successes / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return max(0.0, centre - half), min(1.0, centre + half)
