"""Funnel-plot control limits (Spiegelhalter, Stat Med 2005): the exact binomial quantile,
interpolated, checked against values worked out by hand from the binomial distribution."""

from fractions import Fraction
from math import comb

import pytest

from clinic_app.reporting.funnel import Position, binomial_limit, control_limits, network_rate, position


def cdf(n: int, r: int, theta: Fraction) -> Fraction:
    return sum((comb(n, k) * theta**k * (1 - theta) ** (n - k) for k in range(r + 1)), Fraction(0))


def by_hand(n: int, theta: Fraction, p: Fraction) -> Fraction:
    """The paper's appendix in exact fractions: smallest r with F(r) >= p, then interpolate."""
    r = next(r for r in range(n + 1) if cdf(n, r, theta) >= p)
    high, low = cdf(n, r, theta), cdf(n, r - 1, theta) if r else Fraction(0)
    return max(Fraction(0), (r - (high - p) / (high - low)) / n)


def test_ten_cases_at_a_network_rate_of_one_half_have_the_published_95_limits():
    # Binomial(10, 1/2): F(1) = 11/1024, F(2) = 56/1024, F(7) = 968/1024, F(8) = 1013/1024.
    # Lower: r = 2, alpha = (56/1024 - 0.025) / (45/1024) = 30.4/45;  (2 - alpha) / 10.
    # Upper: r = 8, alpha = (1013/1024 - 0.975) / (45/1024) = 14.6/45; (8 - alpha) / 10.
    limits = control_limits(10, 0.5)
    assert limits.low_95 == pytest.approx((2 - 30.4 / 45) / 10, abs=1e-12)  # 0.132444...
    assert limits.high_95 == pytest.approx((8 - 14.6 / 45) / 10, abs=1e-12)  # 0.767555...
    assert round(limits.low_95, 6) == 0.132444
    assert round(limits.high_95, 6) == 0.767556


@pytest.mark.parametrize("n, theta", [(20, Fraction(1, 5)), (50, Fraction(3, 10)), (137, Fraction(1, 12))])
@pytest.mark.parametrize("p", [Fraction(1, 1000), Fraction(25, 1000), Fraction(975, 1000), Fraction(999, 1000)])
def test_limits_match_the_exact_binomial_worked_in_fractions(n, theta, p):
    assert binomial_limit(n, float(theta), float(p)) == pytest.approx(float(by_hand(n, theta, p)), abs=1e-9)


def test_a_lower_limit_below_the_first_event_is_zero_not_negative():
    # Binomial(10, 0.05): P(R = 0) = 0.95^10 = 0.5987 >= 0.025, so r = 0 and (0 - alpha) / 10 < 0.
    assert control_limits(10, 0.05).low_95 == 0.0


def test_limits_narrow_as_a_clinic_has_more_cases():
    small, large = control_limits(40, 0.2), control_limits(4000, 0.2)
    assert small.low_998 < small.low_95 < 0.2 < small.high_95 < small.high_998
    assert small.high_998 - small.low_998 > large.high_998 - large.low_998
    assert large.high_95 == pytest.approx(0.2 + 1.96 * (0.2 * 0.8 / 4000) ** 0.5, abs=0.001)


def test_a_clinic_is_placed_in_its_band_and_on_the_limit_counts_as_within():
    assert position(5, 10, 0.5) is Position.WITHIN
    assert position(10, 10, 0.5) is Position.ABOVE_998
    assert position(8, 10, 0.5) is Position.ABOVE_95  # 0.8 > 0.7676, below the 99.8% limit 0.8998
    assert position(0, 10, 0.5) is Position.BELOW_998
    assert position(30, 100, 0.2) is Position.ABOVE_95


def test_the_network_rate_pools_every_clinics_cases():
    assert network_rate([(1, 10), (9, 90)]) == 0.1
    assert network_rate([]) is None


def test_a_clinic_without_cases_has_no_limits():
    with pytest.raises(ValueError):
        control_limits(0, 0.3)
