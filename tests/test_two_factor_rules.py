"""Which authenticator code is accepted when: the pure rules, with ``now`` passed in."""

from datetime import UTC, datetime, timedelta

import pyotp
import pytest

from clinic_app.accounts.two_factor_rules import STEP_SECONDS, accepted_step, next_usable_code, time_step

SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"  # synthetic
NOW = datetime(2026, 11, 24, 16, 30, 10, tzinfo=UTC)


def code_at(moment: datetime) -> str:
    return pyotp.TOTP(SECRET).generate_otp(time_step(moment))


@pytest.mark.parametrize("offset_steps", [-1, 0, 1])
def test_code_from_a_phone_up_to_one_step_adrift_is_accepted(offset_steps):
    made_at = NOW + timedelta(seconds=offset_steps * STEP_SECONDS)
    assert accepted_step(SECRET, code_at(made_at), NOW, None) == time_step(made_at)


@pytest.mark.parametrize("offset_steps", [-2, 2])
def test_code_two_steps_away_is_refused(offset_steps):
    assert accepted_step(SECRET, code_at(NOW + timedelta(seconds=offset_steps * STEP_SECONDS)), NOW, None) is None


def test_code_already_accepted_once_is_refused_again():
    step = accepted_step(SECRET, code_at(NOW), NOW, None)
    assert accepted_step(SECRET, code_at(NOW), NOW, step) is None


def test_next_usable_code_moves_to_the_next_step_once_the_current_one_is_used():
    assert next_usable_code(SECRET, NOW, None) == code_at(NOW)
    assert next_usable_code(SECRET, NOW, time_step(NOW)) == code_at(NOW + timedelta(seconds=STEP_SECONDS))
    assert next_usable_code(SECRET, NOW, time_step(NOW) + 1) is None
