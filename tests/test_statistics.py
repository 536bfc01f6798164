"""The estimators behind head office's figures, against published and hand-computed values."""

from __future__ import annotations

import math

import pytest

from clinic_app.reporting.statistics import (
    kaplan_meier,
    mean_difference,
    suppressed,
    survival_at,
    t_quantile,
    wilson_interval,
)

# Freireich et al. (Blood 1963), the 6-MP arm: weeks in remission, False = censored.
SIX_MP = [(6, True), (6, True), (6, True), (6, False), (7, True), (9, False), (10, True), (10, False),
          (11, False), (13, True), (16, True), (17, False), (19, False), (20, False), (22, True), (23, True),
          (25, False), (32, False), (32, False), (34, False), (35, False)]
# As printed by R: survfit(Surv(time, status) ~ 1, conf.type = "log-log"):
# time n.risk n.event survival std.err lower upper
R_SIX_MP = [(6, 21, 3, 0.857, 0.0764, 0.620, 0.952), (7, 17, 1, 0.807, 0.0869, 0.563, 0.923),
            (10, 15, 1, 0.753, 0.0963, 0.503, 0.889), (13, 12, 1, 0.690, 0.1068, 0.432, 0.849),
            (16, 11, 1, 0.627, 0.1141, 0.368, 0.805), (22, 7, 1, 0.538, 0.1282, 0.268, 0.747),
            (23, 6, 1, 0.448, 0.1346, 0.188, 0.680)]


def test_kaplan_meier_matches_the_published_6mp_curve_with_ties_and_censoring_on_the_same_day():
    curve = {point.day: point for point in kaplan_meier(SIX_MP) if point.events}
    for day, at_risk, events, estimate, std_err, low, high in R_SIX_MP:
        point = curve[day]
        assert (point.at_risk, point.events) == (at_risk, events)
        assert point.estimate == pytest.approx(estimate, abs=5e-4)
        greenwood_se = point.estimate * math.sqrt(sum(
            p.events / (p.at_risk * (p.at_risk - p.events)) for p in curve.values() if p.day <= day))
        assert greenwood_se == pytest.approx(std_err, abs=5e-5)
        assert (point.low, point.high) == (pytest.approx(low, abs=5e-4), pytest.approx(high, abs=5e-4))


def test_kaplan_meier_by_hand_with_a_censoring_tied_to_an_event():
    # 5 patients: stop day 1; stop day 2 and one censored day 2; stop day 3; censored day 4.
    # Day 1: 4/5 = 0.8. Day 2: at risk 4 (the censored one still counts), 0.8 * 3/4 = 0.6.
    # Day 3: at risk 2, 0.6 * 1/2 = 0.3. Greenwood sum at day 2: 1/(5*4) + 1/(4*3) = 2/15.
    curve = kaplan_meier([(1, True), (2, True), (2, False), (3, True), (4, False)])
    assert [p.row()[:4] for p in curve] == [(1, 5, 1, 0.8), (2, 4, 1, pytest.approx(0.6)),
                                            (3, 2, 1, pytest.approx(0.3)), (4, 1, 0, pytest.approx(0.3))]
    se = math.sqrt(2 / 15) / abs(math.log(0.6))
    assert curve[1].low == pytest.approx(0.6 ** math.exp(1.959964 * se), abs=1e-6)
    assert curve[1].high == pytest.approx(0.6 ** math.exp(-1.959964 * se), abs=1e-6)
    assert curve[1].low == pytest.approx(0.1257, abs=1e-4) and curve[1].high == pytest.approx(0.8818, abs=1e-4)


def test_kaplan_meier_band_is_undefined_before_any_stop_and_once_everyone_stopped():
    curve = kaplan_meier([(0, False), (2, True), (2, True)])
    assert (curve[0].estimate, curve[0].low, curve[0].high) == (1.0, None, None)
    assert (curve[1].estimate, curve[1].low, curve[1].high) == (0.0, None, None)


def test_survival_read_at_a_day_uses_the_last_step_and_who_was_still_followed():
    curve = kaplan_meier([(1, True), (2, True), (2, False), (3, True), (4, False)])
    assert survival_at(curve, 0).estimate == 1.0 and survival_at(curve, 0).at_risk == 5
    at_2 = survival_at(curve, 2)
    assert (at_2.estimate, at_2.at_risk) == (pytest.approx(0.6), 4)
    assert survival_at(curve, 4).at_risk == 1 and survival_at(curve, 9).at_risk == 0
    assert survival_at([], 3) is None


@pytest.mark.parametrize(("successes", "trials", "low", "high"), [
    (81, 263, 0.2553, 0.3662),  # Newcombe (Stat Med 1998), example (a)
    (15, 148, 0.0624, 0.1605),  # example (b)
    (0, 20, 0.0, 0.1611),  # example (c)
    (1, 29, 0.0061, 0.1718),  # example (d)
    (5, 10, 0.2366, 0.7634),
    (10, 10, 0.7225, 1.0),
])
def test_wilson_interval_matches_newcombe(successes, trials, low, high):
    found = wilson_interval(successes, trials)
    assert (found.low, found.high) == (pytest.approx(low, abs=1e-4), pytest.approx(high, abs=1e-4))


def test_wilson_interval_needs_trials():
    assert wilson_interval(0, 0) is None
    with pytest.raises(ValueError):
        wilson_interval(3, 2)


@pytest.mark.parametrize(("patients", "hidden"), [(0, True), (9, True), (10, False), (2000, False)])
def test_fewer_than_ten_patients_is_suppressed(patients, hidden):
    assert suppressed(patients) is hidden


@pytest.mark.parametrize(("df", "exact", "within"), [(3, 3.1824, 4e-3), (5, 2.5706, 1e-3), (10, 2.2281, 1e-3),
                                                     (30, 2.0423, 1e-3), (1000, 1.9623, 1e-3)])
def test_t_quantile_is_close_to_the_table(df, exact, within):
    assert t_quantile(0.975, df) == pytest.approx(exact, abs=within)


def test_welch_interval_by_hand():
    # a: mean 2, var 1 (n 3); b: mean 0, var 4 (n 5). se^2 = 1/3 + 4/5 = 17/15.
    # df = (17/15)^2 / ((1/3)^2/2 + (4/5)^2/4) = 1.2844 / 0.2156 = 5.958.
    found = mean_difference([1, 2, 3], [-2, -2, 0, 2, 2])
    df = (17 / 15) ** 2 / ((1 / 3) ** 2 / 2 + (4 / 5) ** 2 / 4)
    half = t_quantile(0.975, df) * math.sqrt(17 / 15)
    assert (found.difference, found.n_a, found.n_b) == (2.0, 3, 5)
    assert (found.low, found.high) == (pytest.approx(2 - half), pytest.approx(2 + half))
    assert found.low == pytest.approx(-0.6094, abs=2e-3)  # R: t.test(a, b): -0.6094 4.6094
    assert mean_difference([1], [1, 2]) is None
