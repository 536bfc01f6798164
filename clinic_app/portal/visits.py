"""A signed-in patient cancels or moves their own visits from /my/, with the same rules,
services and pages as the secret link in their e-mails (booking/visit_changes.py). A visit of a
patient record that is not this account's is not found: the answer never hints that it exists."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask_login import current_user
from sqlalchemy import select

from clinic_app import clock
from clinic_app.accounts.policy import area_required
from clinic_app.booking.forms import CancelForm
from clinic_app.booking.visit_changes import (
    VisitPages,
    cancel_visit,
    choose_time_page,
    move_visit,
    visit_context,
    why_not_changeable,
)
from clinic_app.extensions import db
from clinic_app.patients.models import Patient
from clinic_app.portal import bp
from clinic_app.scheduling.models import Booking


@bp.get("/visits/<int:visit_id>/cancel")
@area_required("portal")
def visit_cancel(visit_id: int):
    """The visit and, while it may still change online, the form that cancels it."""
    return _cancel_page(own_visit(visit_id), CancelForm())


@bp.post("/visits/<int:visit_id>/cancel")
@area_required("portal")
def visit_cancel_post(visit_id: int):
    booking = own_visit(visit_id)
    return cancel_visit(booking, _pages(visit_id),
                        lambda form, refused=None: _cancel_page(booking, form, refused))


@bp.get("/visits/<int:visit_id>/reschedule")
@area_required("portal")
def visit_reschedule(visit_id: int):
    """Choose a new time (same clinic and service), then confirm. A visit that can no longer
    move online goes back to /my/ with the reason."""
    booking = own_visit(visit_id)
    page = choose_time_page(booking, _pages(visit_id))
    if page is not None:
        return page
    flash(why_not_changeable(booking, clock.utcnow()), "error")
    return redirect(url_for("portal.index"))


@bp.post("/visits/<int:visit_id>/reschedule")
@area_required("portal")
def visit_move(visit_id: int):
    return move_visit(lambda: own_visit(visit_id), _pages(visit_id))


def own_visit(visit_id: int) -> Booking:
    """The visit, when it belongs to one of the signed-in account's patient records; else 404."""
    visit = db.session.scalar(
        select(Booking)
        .join(Patient, Booking.patient_id == Patient.id)
        .where(Booking.id == visit_id, Patient.user_id == current_user.id)
    )
    return visit if visit is not None else abort(404)


def _pages(visit_id: int) -> VisitPages:
    return VisitPages(
        home=url_for("portal.index"),
        cancel=url_for("portal.visit_cancel_post", visit_id=visit_id),
        move=url_for("portal.visit_move", visit_id=visit_id),
        picker=lambda **query: url_for("portal.visit_reschedule", visit_id=visit_id, **query),
    )


def _cancel_page(booking: Booking, form: CancelForm, refused: str | None = None):
    return render_template(
        "portal/visit_cancel.html", **visit_context(booking, clock.utcnow()), form=form, refused=refused,
        pages=_pages(booking.id),
    )
