"""Sign in, sign out, patient registration and password reset."""

from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user

from clinic_app.accounts import service, session_guard, trusted_devices, verification
from clinic_app.accounts.forms import (
    LoginForm,
    PasswordResetForm,
    PasswordResetRequestForm,
    RegistrationForm,
)
from clinic_app.accounts.policy import HOME_BY_ROLE, must_enrol_two_factor
from clinic_app.accounts.rules import is_safe_redirect, normalise_email
from clinic_app.accounts.sign_in_limits import count_failure, sign_in_limits
from clinic_app.clock import utcnow
from clinic_app.errors import ValidationFailed
from clinic_app.extensions import db, limiter
from clinic_app.form_base import clean_text
from clinic_app.headers import keep_token_private

bp = Blueprint("accounts", __name__)
bp.after_request(keep_token_private)  # reset and confirmation links

SIGNED_OUT = "You have been logged out. You are now signed out everywhere, on every device."
LOGIN_FAILED = "That e-mail and password do not match an account. Check both and try again."
REGISTERED = (
    "Check your inbox: we have sent a message to {email}. To finish creating your account, "
    "open the link in it, then log in."
)


def _login_account_key() -> str:
    """The account a sign-in is for, spelled exactly as the form will read it, so that no
    variant of the address (case, spaces, control characters) gets a fresh allowance."""
    return "login-account:" + _entered_email()


def _login_account():
    return service.find_user_by_email(_entered_email())


def _entered_email() -> str:
    return normalise_email(clean_text(request.form.get("email", "")))[:254]


def _config_limit(name: str):
    return lambda: current_app.config[name]


@bp.route("/login", methods=["GET", "POST"])
@sign_in_limits(_login_account_key, _login_account)
def login():
    if current_user.is_authenticated:
        return redirect(url_for(HOME_BY_ROLE[current_user.role]))
    form = LoginForm()
    if form.validate_on_submit():
        user = service.authenticate(form.email.data, form.password.data)
        if user is not None:
            db.session.commit()
            return _after_password(user, request.args.get("next"))
        count_failure()
        form.password.errors.append(LOGIN_FAILED)
    return render_template("accounts/login.html", form=form)


def _after_password(user, target: str | None):
    """An enrolled user still owes a code; head office and admin who have not enrolled are
    signed in straight to enrolment; everyone else is signed in."""
    if user.two_factor_enrolled:
        session_guard.begin_two_factor(user, target)
        return redirect(url_for("two_factor.verify_login"))
    session_guard.sign_in(user)
    if must_enrol_two_factor(user):
        return trusted_devices.remember(redirect(url_for("two_factor.enrol")), user)
    home = target if is_safe_redirect(target) else url_for(HOME_BY_ROLE[user.role])
    return trusted_devices.remember(redirect(home), user)


@bp.route("/logout", methods=["POST"])
def logout():
    """Signing out ends every session of the user, on every device and in every copy of the
    session cookie, not just this browser's."""
    if current_user.is_authenticated:
        current_user.end_sessions()
        db.session.commit()
    session_guard.sign_out()
    flash(SIGNED_OUT, "info")
    return redirect(url_for("public.home"))


@bp.route("/register", methods=["GET", "POST"])
@limiter.limit(_config_limit("REGISTER_LIMIT"), methods=["POST"])
def register():
    """The same answer whether or not the address has an account (the owner is e-mailed
    instead): nobody learns from this page who is a patient here."""
    form = RegistrationForm(today=utcnow().date())
    if form.validate_on_submit():
        account = service.NewAccount(form.email.data, form.full_name.data, form.password.data,
                                     date_of_birth=form.date_of_birth.data)
        try:
            service.register_patient(account)
        except ValidationFailed as error:
            form.populate_errors(error)
        else:
            db.session.commit()
            flash(REGISTERED.format(email=normalise_email(form.email.data)), "info")
            return redirect(url_for("accounts.login"))
    return render_template("accounts/register.html", form=form)


@bp.get("/verify-email/<token>")
def verify_email(token: str):
    """Open from the e-mail, signed in or not (perhaps on another device): the link is the key."""
    found = verification.user_for_verification_token(token)
    if isinstance(found, verification.LinkProblem):
        return render_template("accounts/verify_problem.html", problem=found), 400
    joined = verification.verify_email(found, utcnow())
    db.session.commit()
    flash(_confirmed_message(joined), "success")
    signed_in_here = current_user.is_authenticated and current_user.id == found.id
    return redirect(url_for("portal.index" if signed_in_here else "accounts.login"))


def _confirmed_message(joined: int) -> str:
    if joined == 0:
        return "Your e-mail address is confirmed."
    return "Your e-mail address is confirmed, and the visits you booked earlier with it are now in your account."


@bp.route("/reset-password", methods=["GET", "POST"])
@limiter.limit(_config_limit("PASSWORD_RESET_LIMIT"), methods=["POST"])
def request_password_reset():
    form = PasswordResetRequestForm()
    if form.validate_on_submit():
        service.request_password_reset(form.email.data)
        db.session.commit()  # the notification worker sends it: no timing difference here
        # The same answer whether or not the address has an account.
        flash("If an account uses that address, we have e-mailed it a reset link.", "info")
        return redirect(url_for("accounts.login"))
    return render_template("accounts/reset_request.html", form=form)


@bp.route("/reset-password/<token>", methods=["GET", "POST"])
@limiter.limit(_config_limit("PASSWORD_RESET_LIMIT"), methods=["POST"])
def reset_password(token: str):
    user = service.user_for_reset_token(token)
    if user is None:
        flash("That reset link has expired or was already used. Ask for a new one.", "error")
        return redirect(url_for("accounts.request_password_reset"))
    form = PasswordResetForm()
    if form.validate_on_submit():
        try:
            service.complete_password_reset(user, form.password.data, utcnow())
        except ValidationFailed as error:
            form.populate_errors(error, default="password")
        else:
            db.session.commit()
            flash("Your password has been changed. Please log in.", "success")
            # The link came to the account's mailbox: this browser may sign in even while
            # someone else has used up the account's allowance of wrong passwords.
            return trusted_devices.remember(redirect(url_for("accounts.login")), user)
    return render_template("accounts/reset_password.html", form=form)
