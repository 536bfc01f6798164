"""The one outcome rule (reporting.definitions), as a table of exact values at its edges:
improved needs a fall of 30% of the intake score AND the absolute MCID (NPRS 2, ODI 6 points);
worse needs a rise of the MCID; an episode with one score has no follow-up."""

import pytest

from clinic_app.reporting.definitions import Verdict, episode_outcome, outcome_verdict

NPRS, ODI = 2, 6


@pytest.mark.parametrize(
    ("intake", "latest", "mcid", "verdict"),
    [
        # NPRS: both conditions, at their edges.
        (3, 2, NPRS, Verdict.UNCHANGED),  # 33% but one point: a tiny baseline cannot qualify
        (3, 1, NPRS, Verdict.IMPROVED),  # 2 points and 67%
        (7, 5, NPRS, Verdict.UNCHANGED),  # 2 points but 28.6%
        (10, 7, NPRS, Verdict.IMPROVED),  # 3 points, exactly 30%
        (10, 8, NPRS, Verdict.UNCHANGED),  # the MCID but 20%
        (6, 4, NPRS, Verdict.IMPROVED),  # exactly 2 points, 33%
        (5, 4, NPRS, Verdict.UNCHANGED),
        (4, 6, NPRS, Verdict.WORSE),  # a rise of exactly the MCID
        (4, 5, NPRS, Verdict.UNCHANGED),
        (0, 0, NPRS, Verdict.UNCHANGED),
        # ODI: points alone would miss 12 -> 4; 30% alone would pass 10 -> 6.
        (12, 4, ODI, Verdict.IMPROVED),  # 8 points, 67%
        (10, 6, ODI, Verdict.UNCHANGED),  # 40% but 4 points
        (20, 14, ODI, Verdict.IMPROVED),  # exactly 6 points, exactly 30%
        (20, 14.1, ODI, Verdict.UNCHANGED),  # 5.9 points, 29.5%
        (40, 28.1, ODI, Verdict.UNCHANGED),  # 11.9 points but 29.75%
        (40, 28, ODI, Verdict.IMPROVED),  # exactly 30%
        (33.3, 23.3, ODI, Verdict.IMPROVED),  # 10 points, 30.03%: tenths, not floating point
        (30, 36, ODI, Verdict.WORSE),
        (30, 35.9, ODI, Verdict.UNCHANGED),
    ],
)
def test_the_outcome_rule_at_its_edges(intake, latest, mcid, verdict):
    assert outcome_verdict(intake, latest, mcid) == verdict


def test_an_episode_is_judged_intake_against_latest_whatever_came_between():
    outcome = episode_outcome([12, 20, 2, 4], ODI)
    assert (outcome.intake, outcome.latest, outcome.points, outcome.verdict) == (12, 4, 8, Verdict.IMPROVED)


def test_an_episode_with_only_its_intake_score_has_no_follow_up_and_one_with_none_no_outcome():
    outcome = episode_outcome([7], NPRS)
    assert (outcome.intake, outcome.latest, outcome.points, outcome.verdict) == (7, None, None, Verdict.NO_FOLLOW_UP)
    assert episode_outcome([], NPRS) is None
