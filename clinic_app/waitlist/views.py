"""The waitlist under /book/waitlist: join it from the time step, confirm it by the link e-mailed
to the address, and leave it by the link in every waitlist e-mail (GET asks, POST acts: mail
scanners that follow links remove nobody)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from clinic_app import clock
from clinic_app.accounts.models import Role
from clinic_app.booking.journey import Journey, StepMissing, read_journey
from clinic_app.errors import DomainError
from clinic_app.extensions import db, limiter
from clinic_app.headers import keep_token_private
from clinic_app.waitlist.forms import LeaveForm, WaitlistForm
from clinic_app.waitlist.service import (
    LinkProblem,
    WaitlistRequest,
    confirm_entry,
    entry_for_confirm_token,
    entry_for_token,
    join_waitlist,
    leave_waitlist,
    waiting,
)

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
            entry = join_waitlist(_request(journey, form), now)
        except DomainError as error:
            db.session.rollback()
            form.populate_errors(error, default="email")
        else:
            db.session.commit()
            # Only the wording of the next page: "confirmed" there confirms nothing.
            done: dict[str, Any] = {"confirmed": "1"} if entry.confirmed_at else {}
            return redirect(url_for("waitlist.joined", **journey.query(), **done))
    status = 422 if form.errors else 200
    return render_template("waitlist/join.html", journey=journey, form=form), status


@bp.get("/joined")
def joined():
    journey = read_journey(request.args, clock.utcnow(), upto="service")
    return render_template("waitlist/joined.html", journey=journey, confirmed=request.args.get("confirmed") == "1")


@bp.get("/confirm/<token>")
def confirm(token: str):
    """Open from the e-mail: the link is the proof of the address. Following it again (or a mail
    scanner following it first) only says the same again."""
    found = entry_for_confirm_token(token)
    if isinstance(found, LinkProblem):
        return render_template("waitlist/confirm_problem.html", problem=found), _PROBLEM_STATUS[found]
    now = clock.utcnow()
    confirm_entry(found, now)
    db.session.commit()
    return render_template("waitlist/confirmed.html", entry=found, clinic=found.clinic, service=found.service,
                           still_waiting=waiting(found, now))


_PROBLEM_STATUS = {LinkProblem.EXPIRED: 410, LinkProblem.INVALID: 404}


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
    account = current_user._get_current_object() if current_user.is_authenticated else None
    return WaitlistRequest(clinic=journey.clinic, service=journey.chosen_service, email=form.email.data,
                           name=form.name.data or "", before=form.before.data, account=account)


def _prefill() -> dict:
    if current_user.is_authenticated and current_user.role == Role.PATIENT:
        return {"email": current_user.email, "name": current_user.full_name}
    return {}
