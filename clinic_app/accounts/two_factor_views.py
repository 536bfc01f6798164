"""Two-factor sign-in: the code step after the password (/login/two-factor) and enrolment
(/account/two-factor). Also checks every staff request for the idle timeout and compulsory
enrolment (session_guard.check_staff_session)."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, session, url_for
from flask_login import current_user
from markupsafe import Markup

from clinic_app import clock
from clinic_app.accounts import session_guard, trusted_devices, two_factor, two_factor_rules
from clinic_app.accounts.forms import TwoFactorCodeForm
from clinic_app.accounts.models import Role
from clinic_app.accounts.policy import HOME_BY_ROLE, TWO_FACTOR_REQUIRED_ROLES, TWO_FACTOR_ROLES, role_required
from clinic_app.accounts.sign_in_limits import count_failure, sign_in_limits
from clinic_app.errors import ValidationFailed
from clinic_app.extensions import db
from clinic_app.headers import never_cache

bp = Blueprint("two_factor", __name__)
bp.after_request(never_cache)  # the enrolment page shows the secret
bp.before_app_request(session_guard.check_staff_session)


def _pending_account_key() -> str:
    """Code guesses count against the account being signed in to, from any address."""
    pending = session.get(session_guard.PENDING)
    return f"two-factor-account:{pending.get('user') if isinstance(pending, dict) else ''}"


@bp.route("/login/two-factor", methods=["GET", "POST"])
@sign_in_limits(_pending_account_key, session_guard.pending_two_factor_user)
def verify_login():
    """The second step: the password was right, the code from the app completes the sign-in."""
    user = session_guard.pending_two_factor_user()
    if user is None:
        flash("Your sign-in was not completed in time. Please log in again.", "info")
        return redirect(url_for("accounts.login"))
    form = TwoFactorCodeForm()
    if form.validate_on_submit():
        if two_factor.check_sign_in_code(user, form.code.data, clock.utcnow()):
            target = session_guard.pending_next_url()
            db.session.commit()
            session_guard.sign_in(user)
            return trusted_devices.remember(redirect(target or url_for(HOME_BY_ROLE[Role(user.role)])), user)
        count_failure()
        form.code.errors.append(two_factor.WRONG_CODE)
    return render_template("accounts/two_factor_login.html", form=form)


@bp.route("/account/two-factor", methods=["GET", "POST"])
@role_required(*TWO_FACTOR_ROLES)
def enrol():
    """Show the QR code and secret for the app; a first code from the app turns it on."""
    user = current_user._get_current_object()
    if user.two_factor_enrolled:
        return render_template("accounts/two_factor_on.html", user=user)
    secret = two_factor.start_enrolment(user)
    db.session.commit()  # the same secret on reload, so a code just scanned keeps working
    form = TwoFactorCodeForm()
    if form.validate_on_submit():
        try:
            two_factor.confirm_enrolment(user, form.code.data, clock.utcnow())
        except ValidationFailed as error:
            form.populate_errors(error, default="code")
        else:
            db.session.commit()
            flash("Two-factor sign-in is on. You will enter a code from your app each time you log in.", "success")
            return redirect(url_for(HOME_BY_ROLE[user.role]))
    # segno writes the SVG itself (paths only; the e-mail is encoded in the QR pattern, not as text).
    qr = Markup(two_factor_rules.qr_code_svg(two_factor_rules.provisioning_uri(secret, user.email)))  # noqa: S704
    return render_template(
        "accounts/two_factor_enrol.html",
        form=form,
        qr=qr,
        secret=two_factor_rules.grouped(secret),
        required=user.role in TWO_FACTOR_REQUIRED_ROLES,
    )
