"""Two-factor sign-in for staff (a code from an authenticator app after the password), and the
30-minute idle timeout of staff sessions."""

import re
from datetime import UTC, datetime, timedelta

import pyotp
import pytest

from clinic_app.accounts.models import Role
from clinic_app.accounts.two_factor import secret_of
from clinic_app.extensions import db
from tests.factories import make_clinic, make_user

NOW = datetime(2026, 11, 20, 15, 0, 5, tzinfo=UTC)  # 5 seconds into a 30-second step
WRONG_CODE = "That code is not right, or was already used."


@pytest.fixture
def clock(monkeypatch):
    """The application's clock, frozen at NOW; ``clock.move(minutes=...)`` moves it on."""

    class Clock:
        now = NOW

        def move(self, **delta):
            self.now = self.now + timedelta(**delta)

    frozen = Clock()
    monkeypatch.setattr("clinic_app.clock.utcnow", lambda: frozen.now)
    return frozen


def code_for(user, at: datetime) -> str:
    db.session.refresh(user)
    return pyotp.TOTP(secret_of(user)).at(at)


def password_step(client, user, **kwargs):
    return client.submit("/login", {"email": user.email, "password": "correct horse battery staple"}, **kwargs)


def code_step(client, code: str):
    return client.submit("/login/two-factor", {"code": code})


# --- signing in with a code ----------------------------------------------------------------


def test_enrolled_user_is_not_signed_in_until_the_code_is_entered(client, clock):
    user = make_user(Role.HEAD_OFFICE)
    response = password_step(client, user)
    assert response.headers["Location"] == "/login/two-factor"
    assert client.get("/headoffice/").headers["Location"].startswith("/login?next=")

    page = client.get("/login/two-factor").get_data(as_text=True)
    assert "Enter your code" in page and 'autocomplete="one-time-code"' in page
    response = code_step(client, code_for(user, NOW))
    assert response.headers["Location"] == "/headoffice/"
    assert client.get("/headoffice/").status_code == 200


def test_wrong_code_is_refused_with_the_message_next_to_the_field(client, clock):
    user = make_user(Role.ADMIN)
    password_step(client, user)
    response = code_step(client, "000000" if code_for(user, NOW) != "000000" else "111111")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert f'<p class="error" id="code-error">{WRONG_CODE}' in page
    assert 'aria-invalid="true"' in page
    assert client.get("/admin/").status_code == 302  # still not signed in


def test_code_that_is_not_six_digits_is_explained(client, clock):
    user = make_user(Role.ADMIN)
    password_step(client, user)
    page = code_step(client, "12ab").get_data(as_text=True)
    assert "The code is 6 digits, like 123456." in page


def test_a_code_that_signed_in_once_is_refused_the_second_time(client, clock):
    user = make_user(Role.HEAD_OFFICE)
    code = code_for(user, NOW)
    password_step(client, user)
    assert code_step(client, code).headers["Location"] == "/headoffice/"
    client.logout()

    password_step(client, user)
    response = code_step(client, code)
    assert response.status_code == 200 and WRONG_CODE in response.get_data(as_text=True)
    assert code_step(client, code_for(user, NOW + timedelta(seconds=30))).headers["Location"] == "/headoffice/"


@pytest.mark.parametrize(
    ("code_made_steps_away", "accepted"),
    [(-2, False), (-1, True), (0, True), (1, True), (2, False)],
)
def test_codes_one_step_either_side_of_now_are_accepted_for_phone_clock_drift(
    client, clock, code_made_steps_away, accepted
):
    user = make_user(Role.HEAD_OFFICE)
    password_step(client, user)
    response = code_step(client, code_for(user, NOW + timedelta(seconds=30 * code_made_steps_away)))
    assert (response.status_code == 302) is accepted


def test_the_code_step_waits_five_minutes_for_the_code_then_starts_over(client, clock):
    user = make_user(Role.HEAD_OFFICE)
    password_step(client, user)
    clock.move(minutes=5, seconds=1)
    response = client.submit("/login/two-factor", {"code": code_for(user, clock.now)}, page="/login")
    assert response.headers["Location"] == "/login"
    assert "Your sign-in was not completed in time." in client.get("/login").get_data(as_text=True)

    password_step(client, user)
    clock.move(minutes=4, seconds=50)
    assert code_step(client, code_for(user, clock.now)).headers["Location"] == "/headoffice/"


def test_code_page_without_a_password_step_sends_to_login(client):
    assert client.get("/login/two-factor").headers["Location"] == "/login"


def test_the_page_asked_for_before_login_opens_after_the_code(client, clock):
    user = make_user(Role.HEAD_OFFICE)
    response = password_step(client, user, query_string={"next": "/headoffice/reports"})
    assert response.headers["Location"] == "/login/two-factor"
    assert code_step(client, code_for(user, NOW)).headers["Location"] == "/headoffice/reports"


def test_code_guesses_are_limited_like_passwords(client, clock):
    user = make_user(Role.HEAD_OFFICE)
    password_step(client, user)
    wrong = "000000" if code_for(user, NOW) != "000000" else "111111"
    for _ in range(5):
        assert code_step(client, wrong).status_code == 200
    assert code_step(client, code_for(user, NOW)).status_code == 429


# --- enrolment -----------------------------------------------------------------------------


def shown_secret(page: str) -> str:
    return re.search(r'<code id="secret-key">([A-Z2-7 ]+)</code>', page).group(1).replace(" ", "")


def test_practitioner_enrols_with_the_qr_code_and_then_needs_a_code_to_log_in(client, clock):
    user = make_user(Role.PRACTITIONER, clinics=[make_clinic()])
    client.login(user.email)
    page = client.get("/account/two-factor").get_data(as_text=True)
    assert '<svg width="' in page and "QR code for your authenticator app" in page
    secret = shown_secret(page)
    assert client.get("/account/two-factor").get_data(as_text=True).count(secret[:4]) >= 1
    assert shown_secret(client.get("/account/two-factor").get_data(as_text=True)) == secret  # same on reload

    response = client.submit("/account/two-factor", {"code": pyotp.TOTP(secret).at(NOW)})
    assert response.headers["Location"] == "/practice/"
    assert "Two-factor sign-in is on." in client.get("/practice/").get_data(as_text=True)
    assert "Two-factor sign-in is on for" in client.get("/account/two-factor").get_data(as_text=True)

    client.logout()
    clock.move(seconds=30)
    assert password_step(client, user).headers["Location"] == "/login/two-factor"
    assert code_step(client, pyotp.TOTP(secret).at(clock.now)).headers["Location"] == "/practice/"


def test_wrong_code_at_enrolment_leaves_two_factor_off_and_says_why(client, clock):
    user = make_user(Role.CLINIC_MANAGER, clinics=[make_clinic()])
    client.login(user.email)
    secret = shown_secret(client.get("/account/two-factor").get_data(as_text=True))
    response = client.submit("/account/two-factor", {"code": pyotp.TOTP(secret).at(NOW - timedelta(minutes=5))})
    assert response.status_code == 200
    assert f'<p class="error" id="code-error">{WRONG_CODE}' in response.get_data(as_text=True)
    db.session.refresh(user)
    assert not user.two_factor_enrolled


def test_the_secret_is_stored_encrypted(client, clock):
    user = make_user(Role.PRACTITIONER, clinics=[make_clinic()])
    client.login(user.email)
    secret = shown_secret(client.get("/account/two-factor").get_data(as_text=True))
    db.session.refresh(user)
    assert secret not in user.totp_secret and secret_of(user) == secret


def test_head_office_without_two_factor_can_reach_nothing_until_enrolled(client, clock):
    user = make_user(Role.HEAD_OFFICE, two_factor=False)
    assert client.login(user.email).headers["Location"] == "/account/two-factor"
    for url in ("/headoffice/", "/admin/clinics/", "/"):
        assert client.get(url).headers["Location"] == "/account/two-factor", url
    page = client.get("/account/two-factor").get_data(as_text=True)
    assert "Your account needs two-factor sign-in: set it up to continue." in page
    assert "Set up two-factor sign-in" in page

    secret = shown_secret(page)
    assert client.submit("/account/two-factor", {"code": pyotp.TOTP(secret).at(NOW)}).status_code == 302
    assert client.get("/headoffice/").status_code == 200


def test_patients_have_no_two_factor_page(client):
    patient = make_user(Role.PATIENT)
    client.login(patient.email)
    assert client.get("/account/two-factor").status_code == 403


def test_enrolment_page_is_never_cached(client):
    user = make_user(Role.PRACTITIONER, clinics=[make_clinic()])
    client.login(user.email)
    assert client.get("/account/two-factor").headers["Cache-Control"] == "no-store"


# --- the command line ----------------------------------------------------------------------


def test_admin_resets_a_lost_phone_from_the_command_line(client, runner, clock):
    user = make_user(Role.HEAD_OFFICE)
    client.login(user.email)
    result = runner.invoke(args=["users", "reset-2fa", user.email])
    assert result.exit_code == 0, result.output
    assert client.get("/headoffice/").status_code == 302  # that session has ended
    assert client.login(user.email).headers["Location"] == "/account/two-factor"


def test_totp_code_command_prints_a_code_that_signs_in(client, runner, clock):
    user = make_user(Role.ADMIN)
    result = runner.invoke(args=["users", "totp-code", user.email])
    assert result.exit_code == 0, result.output
    assert result.output.strip() == code_for(user, NOW)  # the current step: still good a step later
    password_step(client, user)
    assert code_step(client, result.output.strip()).headers["Location"] == "/admin/"


def test_totp_code_command_is_refused_in_production(app, runner):
    user = make_user(Role.ADMIN)
    app.config["APP_ENV"] = "production"
    result = runner.invoke(args=["users", "totp-code", user.email])
    assert result.exit_code != 0 and "refuses to run in production" in result.output


# --- idle timeout --------------------------------------------------------------------------


@pytest.mark.parametrize(("idle_minutes", "still_signed_in"), [(29, True), (31, False)])
def test_staff_are_signed_out_after_30_minutes_without_a_request(client, clock, idle_minutes, still_signed_in):
    user = make_user(Role.PRACTITIONER, clinics=[make_clinic()])
    client.login(user.email)
    assert client.get("/practice/").status_code == 200
    clock.move(minutes=idle_minutes)
    response = client.get("/practice/")
    if still_signed_in:
        assert response.status_code == 200
        return
    assert response.headers["Location"] == "/login?next=/practice/"
    assert "You were signed out after 30 minutes without activity." in client.get("/login").get_data(as_text=True)
    assert client.get("/practice/").headers["Location"].startswith("/login")


def test_each_request_restarts_the_idle_clock(client, clock):
    user = make_user(Role.HEAD_OFFICE)
    client.login(user.email)
    for _ in range(3):
        clock.move(minutes=20)
        assert client.get("/headoffice/").status_code == 200


def test_patients_keep_their_session_after_31_idle_minutes(client, clock):
    patient = make_user(Role.PATIENT)
    client.login(patient.email)
    clock.move(minutes=31)
    assert client.get("/my/").status_code == 200
