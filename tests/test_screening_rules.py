"""Screening rules with exact values: STarT Back at every boundary of its groups (Hill et al.,
Lancet 2011) and the tier of red-flag findings (NICE NG59; Finucane et al., JOSPT 2020)."""

import pytest

from clinic_app.screening.rules import (
    RED_FLAGS,
    RiskGroup,
    StartBackResult,
    Tier,
    needs_action,
    startback_score,
    tier_of,
)

LOW, MEDIUM, HIGH = RiskGroup.LOW, RiskGroup.MEDIUM, RiskGroup.HIGH


@pytest.mark.parametrize(("answers", "expected"), [
    # items 1-4 physical | items 5-8 psychosocial | item 9 bothersome (0-4)
    ([0, 0, 0, 0, 0, 0, 0, 0, 0], (0, 0, LOW)),
    ([1, 1, 1, 0, 0, 0, 0, 0, 0], (3, 0, LOW)),  # total 3: the top of low
    ([0, 0, 0, 0, 1, 1, 1, 0, 0], (3, 3, LOW)),  # total 3 with subscale 3 is still low
    ([1, 1, 1, 1, 0, 0, 0, 0, 0], (4, 0, MEDIUM)),  # total 4: the bottom of medium
    ([1, 0, 0, 0, 1, 1, 1, 0, 0], (4, 3, MEDIUM)),  # subscale 3: the top of medium
    ([1, 1, 1, 1, 1, 1, 1, 0, 2], (7, 3, MEDIUM)),  # "moderately" bothersome scores 0
    ([0, 0, 0, 0, 1, 1, 1, 1, 0], (4, 4, HIGH)),  # subscale 4: the bottom of high
    ([0, 0, 0, 0, 1, 1, 1, 0, 3], (4, 4, HIGH)),  # "very much" bothersome scores 1
    ([0, 0, 0, 0, 1, 1, 1, 0, 2], (3, 3, LOW)),  # ... and "moderately" does not
    ([1, 1, 1, 1, 1, 1, 1, 1, 4], (9, 5, HIGH)),  # every item: the maximum
    ([0, 0, 0, 0, 1, 1, 1, 1, 4], (5, 5, HIGH)),
])
def test_startback_total_subscale_and_risk_group(answers, expected):
    assert startback_score(answers) == StartBackResult(*expected)


@pytest.mark.parametrize("answers", [[0] * 8, [0] * 10, [2, 0, 0, 0, 0, 0, 0, 0, 0], [0] * 8 + [5],
                                     [0] * 8 + [-1]])
def test_startback_refuses_answers_of_the_wrong_shape(answers):
    with pytest.raises(ValueError):
        startback_score(answers)


EMERGENCY_CODES = ["saddle_anaesthesia", "bladder_bowel", "bilateral_leg_symptoms", "check_in_cauda_equina"]
URGENT_CODES = ["cancer_history", "weight_loss", "night_pain", "fever", "trauma", "inflammatory"]


def test_every_flag_is_in_exactly_one_tier_as_the_tables_below_say():
    assert {code for code, flag in RED_FLAGS.items() if flag.tier == Tier.EMERGENCY} == set(EMERGENCY_CODES)
    assert {code for code, flag in RED_FLAGS.items() if flag.tier == Tier.URGENT} == set(URGENT_CODES)
    assert {code for code, flag in RED_FLAGS.items() if flag.tier == Tier.REVIEW} == {"age_onset"}


@pytest.mark.parametrize(("findings", "tier"), [
    ([], Tier.NONE),
    (["age_onset"], Tier.REVIEW),
    *[([code], Tier.URGENT) for code in URGENT_CODES],
    *[([code], Tier.EMERGENCY) for code in EMERGENCY_CODES],
    (["age_onset", "night_pain"], Tier.URGENT),
    (["cancer_history", "weight_loss", "age_onset"], Tier.URGENT),
    (["weight_loss", "saddle_anaesthesia"], Tier.EMERGENCY),
    (["age_onset", "bladder_bowel"], Tier.EMERGENCY),
])
def test_a_screen_takes_the_tier_of_its_most_serious_finding(findings, tier):
    assert tier_of(findings) == tier


def test_an_unknown_flag_is_an_error_not_a_lower_tier():
    with pytest.raises(KeyError):
        tier_of(["saddle_anaesthesia_typo"])


@pytest.mark.parametrize(("tier", "recorded", "open_"), [
    (Tier.EMERGENCY, False, True), (Tier.EMERGENCY, True, False), (Tier.URGENT, False, False),
    (Tier.REVIEW, False, False), (Tier.NONE, False, False),
])
def test_only_an_emergency_without_its_action_holds_the_notes(tier, recorded, open_):
    assert needs_action(tier, recorded) is open_
