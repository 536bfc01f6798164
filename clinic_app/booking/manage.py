"""The patient's own page for one visit, reached by the secret link in their e-mails: see it,
add it to a calendar, cancel it or move it. Only a hash of the token is stored, and the token
is in the address: these pages are never cached and never passed on as a referrer. Cancelling
and moving are shared with the signed-in patient's pages (visit_changes.py)."""

from __future__ import annotations

from flask import abort, make_response, redirect, render_template, url_for

from clinic_app import clock
from clinic_app.booking.forms import CancelForm
from clinic_app.booking.views import bp
from clinic_app.booking.visit_changes import (
    VisitPages,
    cancel_visit,
    choose_time_page,
    move_visit,
    visit_context,
)
from clinic_app.headers import keep_token_private
from clinic_app.scheduling.booking import booking_for_token
from clinic_app.scheduling.models import Booking
from clinic_app.scheduling.notifications import calendar_for

bp.after_request(keep_token_private)


@bp.get("/manage/<token>")
def manage(token: str):
    return _manage_page(_booking_or_404(token), token, CancelForm())


@bp.get("/manage/<token>/calendar.ics")
def calendar(token: str):
    booking = _booking_or_404(token)
    response = make_response(calendar_for(booking))
    response.mimetype = "text/calendar"
    response.headers["Content-Disposition"] = f'attachment; filename="back-solution-{booking.reference}.ics"'
    return response


@bp.post("/manage/<token>/cancel")
def cancel(token: str):
    booking = _booking_or_404(token)
    return cancel_visit(booking, _pages(token),
                        lambda form, refused=None: _manage_page(booking, token, form, refused))


@bp.get("/manage/<token>/reschedule")
def reschedule(token: str):
    """Choose a new day and time (same clinic and service), then confirm the move. A visit that
    can no longer move goes back to its page, which says why and whom to call."""
    page = choose_time_page(_booking_or_404(token), _pages(token))
    return page if page is not None else redirect(url_for("booking.manage", token=token))


@bp.post("/manage/<token>/reschedule")
def move(token: str):
    return move_visit(lambda: _booking_or_404(token), _pages(token))


def _booking_or_404(token: str) -> Booking:
    return booking_for_token(token[:100]) or abort(404)


def _pages(token: str) -> VisitPages:
    return VisitPages(
        home=url_for("booking.manage", token=token),
        cancel=url_for("booking.cancel", token=token),
        move=url_for("booking.move", token=token),
        picker=lambda **query: url_for("booking.reschedule", token=token, **query),
    )


def _manage_page(booking: Booking, token: str, form: CancelForm, refused: str | None = None):
    return render_template(
        "booking/manage.html", **visit_context(booking, clock.utcnow()), token=token, form=form, refused=refused,
        pages=_pages(token), manage_url=url_for("booking.manage", token=token, _external=True),
    )
