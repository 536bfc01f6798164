"""Opening-alert sign-up and unsubscribe."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for

from clinic_app.demand import service
from clinic_app.demand.forms import OpeningAlertForm, UnsubscribeForm
from clinic_app.errors import DomainError
from clinic_app.extensions import db, limiter

bp = Blueprint("demand", __name__, url_prefix="/clinics/opening-alerts")


@bp.route("", methods=["GET", "POST"])
@limiter.limit("10 per hour", methods=["POST"])
def sign_up():
    form = OpeningAlertForm()
    if form.validate_on_submit():
        try:
            service.sign_up_for_opening_alert(form.email.data, form.zip_code.data)
        except DomainError as error:
            form.populate_errors(error, default="zip_code")
        else:
            db.session.commit()
            flash("Thank you. We will e-mail you once when a clinic opens near you.", "success")
            return redirect(url_for("clinics.index"))
    return render_template("demand/sign_up.html", form=form)


@bp.route("/unsubscribe/<token>", methods=["GET", "POST"])
def unsubscribe(token: str):
    """GET asks, POST acts: mail scanners that follow links must not unsubscribe anyone."""
    signup = service.signup_for_token(token) or abort(404)
    form = UnsubscribeForm()
    if form.validate_on_submit():
        service.unsubscribe(signup)
        db.session.commit()
        return render_template("demand/unsubscribed.html")
    return render_template("demand/unsubscribe.html", form=form, signup=signup)
