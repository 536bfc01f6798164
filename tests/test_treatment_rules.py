"""Clinical scoring rules, checked against worked examples."""

from datetime import UTC, date, datetime, timedelta

import pytest

from clinic_app.treatments.rules import (
    Chronicity,
    chronicity,
    episode_lapsed,
    lapsed_at,
    note_refusal,
    odi_band,
    odi_due,
    odi_score,
)


@pytest.mark.parametrize(
    ("answers", "expected"),
    [
        ([0] * 10, 0.0),
        ([5] * 10, 100.0),
        # 16 points over all 10 sections = 16 / 50 = 32%.
        ([2, 1, 3, 2, 1, 2, 1, 2, 1, 1], 32.0),
        # One section unanswered (the sex-life section is often skipped): 16 / 45 = 35.6%.
        ([2, 1, 3, 2, 1, 2, 1, None, 2, 2], 35.6),
        # Two unanswered: 20 / 40 = 50%.
        ([3, 2, 3, 2, None, 3, 2, None, 3, 2], 50.0),
        # Three unanswered: too little to score.
        ([3, 2, 3, None, None, 3, 2, None, 3, 2], None),
        ([None] * 10, None),
    ],
)
def test_odi_score_is_the_sum_over_the_maximum_of_the_answered_sections(answers, expected):
    assert odi_score(answers) == expected


@pytest.mark.parametrize("answers", [[0] * 9, [0] * 11, [6] + [0] * 9, [-1] + [0] * 9])
def test_odi_refuses_a_malformed_questionnaire(answers):
    with pytest.raises(ValueError):
        odi_score(answers)


@pytest.mark.parametrize(
    ("score", "band"),
    [(0, "minimal"), (20, "minimal"), (20.5, "moderate"), (40, "moderate"), (41, "severe"), (61, "crippling"),
     (81, "bed-bound")],
)
def test_odi_bands_follow_fairbank(score, band):
    assert odi_band(score).startswith(band)


TODAY = date(2026, 11, 24)


@pytest.mark.parametrize(
    ("days_ago", "expected"),
    [
        (0, Chronicity.ACUTE),
        (41, Chronicity.ACUTE),  # 5 weeks 6 days
        (42, Chronicity.SUBACUTE),  # 6 weeks
        (84, Chronicity.SUBACUTE),  # 12 weeks
        (85, Chronicity.CHRONIC),
        (400, Chronicity.CHRONIC),
    ],
)
def test_chronicity_is_derived_from_the_onset_date(days_ago, expected):
    assert chronicity(TODAY - timedelta(days=days_ago), TODAY) == expected


@pytest.mark.parametrize(
    ("days_since_last_visit", "lapsed"),
    [(0, False), (59, False), (59.999, False), (60, True), (61, True), (400, True)],
)
def test_an_episode_lapses_exactly_the_auto_close_days_after_its_latest_visit(days_since_last_visit, lapsed):
    last = datetime(2026, 3, 1, 15, tzinfo=UTC)
    assert episode_lapsed(last, last + timedelta(days=days_since_last_visit), 60) is lapsed
    assert lapsed_at(last, 60) == datetime(2026, 4, 30, 15, tzinfo=UTC)


@pytest.mark.parametrize(
    ("status", "refused"),
    [("booked", "has not taken place yet"), ("no_show", "no-show"), ("cancelled", "cancelled"),
     ("arrived", None), ("completed", None)],
)
def test_a_note_starts_only_for_a_visit_checked_in_or_seen(status, refused):
    refusal = note_refusal(status)
    assert refusal is None if refused is None else refused in refusal


@pytest.mark.parametrize(
    ("visit", "since_last", "discharging", "due"),
    [(1, None, False, True), (2, 1, False, False), (4, 3, False, False), (5, 4, False, True), (3, 2, True, True),
     (7, None, False, True)],
)
def test_the_odi_is_due_at_intake_every_four_to_six_visits_and_at_discharge(visit, since_last, discharging, due):
    assert odi_due(visit, since_last, discharging) is due
