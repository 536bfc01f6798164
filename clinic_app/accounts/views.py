"""Sign in, sign out, patient registration and password reset."""

from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_user, logout_user

from clinic_app.accounts import service
from clinic_app.accounts.forms import (
    LoginForm,
    PasswordResetForm,
    PasswordResetRequestForm,
    RegistrationForm,
)
from clinic_app.accounts.policy import HOME_BY_ROLE
from clinic_app.accounts.rules import is_safe_redirect, normalise_email
from clinic_app.errors import ValidationFailed
from clinic_app.extensions import db, limiter
from clinic_app.form_base import clean_text

bp = Blueprint("accounts", __name__)

LOGIN_FAILED = "That e-mail and password do not match an account. Check both and try again."


def _login_account_key() -> str:
    """The account a sign-in is for, spelled exactly as the form will read it, so that no
    variant of the address (case, spaces, control characters) gets a fresh allowance."""
    return "login-account:" + normalise_email(clean_text(request.form.get("email", "")))[:254]


def _config_limit(name: str):
    return lambda: current_app.config[name]


# Every attempt counts, successful or not: counting only failures would be decided after the
# password check, so many attempts sent at once would all pass the check before any counted.
@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(_config_limit("LOGIN_LIMIT_PER_IP"), methods=["POST"])
@limiter.limit(_config_limit("LOGIN_LIMIT_PER_ACCOUNT"), methods=["POST"], key_func=_login_account_key)
def login():
    if current_user.is_authenticated:
        return redirect(url_for(HOME_BY_ROLE[current_user.role]))
    form = LoginForm()
    if form.validate_on_submit():
        user = service.authenticate(form.email.data, form.password.data)
        if user is not None:
            db.session.commit()
            login_user(user)
            target = request.args.get("next")
            return redirect(target if is_safe_redirect(target) else url_for(HOME_BY_ROLE[user.role]))
        form.password.errors.append(LOGIN_FAILED)
    return render_template("accounts/login.html", form=form)


@bp.route("/logout", methods=["POST"])
def logout():
    logout_user()
    flash("You have been logged out.", "info")
    return redirect(url_for("public.home"))


@bp.route("/register", methods=["GET", "POST"])
@limiter.limit(_config_limit("REGISTER_LIMIT"), methods=["POST"])
def register():
    form = RegistrationForm()
    if form.validate_on_submit():
        try:
            user = service.create_account(service.NewAccount(form.email.data, form.full_name.data, form.password.data))
        except ValidationFailed as error:
            getattr(form, error.field).errors.append(error.message)
        else:
            db.session.commit()
            login_user(user)
            flash("Welcome to Back Solution. Your account is ready.", "success")
            return redirect(url_for("portal.index"))
    return render_template("accounts/register.html", form=form)


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
            service.set_password(user, form.password.data)
        except ValidationFailed as error:
            form.password.errors.append(error.message)
        else:
            db.session.commit()
            flash("Your password has been changed. Please log in.", "success")
            return redirect(url_for("accounts.login"))
    return render_template("accounts/reset_password.html", form=form)
