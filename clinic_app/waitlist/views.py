"""The waitlist under /book/waitlist: join it from the time step, and leave it by the link in
every waitlist e-mail (GET asks, POST acts: mail scanners that follow links remove nobody)."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from clinic_app import clock
from clinic_app.accounts.models import Role
from clinic_app.booking.journey import Journey, StepMissing, read_journey
from clinic_app.errors import DomainError
from clinic_app.extensions import db, limiter
from clinic_app.headers import keep_token_private
from clinic_app.waitlist.forms import LeaveForm, WaitlistForm
from clinic_app.waitlist.service import WaitlistRequest, entry_for_token, join_waitlist, leave_waitlist, waiting

bp = Blueprint("waitlist", __name__, url_prefix="/book/waitlist")


@bp.errorhandler(StepMissing)
def back_to_step(missing: StepMissing):
    flash(missing.message, "error")
    return redirect(url_for(missing.endpoint, **missing.query))


bp.after_request(keep_token_private)


@bp.route("", methods=["GET", "POST"])
@limiter.limit("20 per hour", methods=["POST"])
def join():
    now = clock.utcnow()
    journey = read_journey(request.args, now, upto="service")
    form = WaitlistForm(data=None if request.method == "POST" else _prefill())
    if form.validate_on_submit():
        try:
            join_waitlist(_request(journey, form), now)
        except DomainError as error:
            db.session.rollback()
            getattr(form, error.field or "email").errors.append(error.message)
        else:
            db.session.commit()
            return redirect(url_for("waitlist.joined", **journey.query()))
    status = 422 if form.errors else 200
    return render_template("waitlist/join.html", journey=journey, form=form), status


@bp.get("/joined")
def joined():
    journey = read_journey(request.args, clock.utcnow(), upto="service")
    return render_template("waitlist/joined.html", journey=journey)


@bp.route("/leave/<token>", methods=["GET", "POST"])
def leave(token: str):
    entry = entry_for_token(token) or abort(404)
    now, form = clock.utcnow(), LeaveForm()
    if form.validate_on_submit():
        leave_waitlist(entry, now)
        db.session.commit()
        return render_template("waitlist/left.html", entry=entry, clinic=entry.clinic, service=entry.service)
    return render_template("waitlist/leave.html", entry=entry, clinic=entry.clinic, service=entry.service,
                           form=form, still_waiting=waiting(entry, now))


def _request(journey: Journey, form: WaitlistForm) -> WaitlistRequest:
    return WaitlistRequest(clinic=journey.clinic, service=journey.service, email=form.email.data,
                           name=form.name.data or "", before=form.before.data)


def _prefill() -> dict:
    if current_user.is_authenticated and current_user.role == Role.PATIENT:
        return {"email": current_user.email, "name": current_user.full_name}
    return {}
