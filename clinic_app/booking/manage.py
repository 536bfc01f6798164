"""The patient's own page for one visit, reached by the secret link in their e-mails: see it,
add it to a calendar, cancel it or move it. The secret is the manage token from the
confirmation (only its hash is stored) or a signed link from a later e-mail, the reminder
(clinic_app/scheduling/manage_links.py); either opens the same pages under the same rules.
The secret is in the address: these pages are never cached and never passed on as a referrer.
Cancelling and moving are shared with the signed-in patient's pages (visit_changes.py)."""

from __future__ import annotations

from collections.abc import Callable

from flask import abort, make_response, redirect, render_template, url_for

from clinic_app import clock
from clinic_app.booking import bp
from clinic_app.booking.forms import CancelForm
from clinic_app.booking.visit_changes import (
    VisitPages,
    cancel_visit,
    choose_time_page,
    move_visit,
    visit_context,
)
from clinic_app.extensions import db
from clinic_app.headers import keep_token_private
from clinic_app.scheduling.booking import booking_for_token
from clinic_app.scheduling.manage_links import booking_for_signed_link, sign_manage_link
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
    return _landing_on_a_live_link(token, booking, lambda: cancel_visit(
        booking, _pages(token), lambda form, refused=None: _manage_page(booking, token, form, refused)))


@bp.get("/manage/<token>/reschedule")
def reschedule(token: str):
    """Choose a new day and time (same clinic and service), then confirm the move. A visit that
    can no longer move goes back to its page, which says why and whom to call."""
    page = choose_time_page(_booking_or_404(token), _pages(token))
    return page if page is not None else redirect(url_for("booking.manage", token=token))


@bp.post("/manage/<token>/reschedule")
def move(token: str):
    booking = _booking_or_404(token)
    return _landing_on_a_live_link(token, booking, lambda: move_visit(lambda: _booking_or_404(token), _pages(token)))


def _booking_or_404(token: str) -> Booking:
    """The visit a manage token or a current signed link opens; anything else (unknown, forged,
    stale, expired) gets the same plain not-found page."""
    return _booking_for(token) or abort(404)


def _booking_for(token: str) -> Booking | None:
    return booking_for_token(token[:100]) or booking_for_signed_link(token[:300], clock.utcnow())


def _landing_on_a_live_link(token: str, booking: Booking, change: Callable[[], object]):
    """Make the change. One that succeeded raised the visit's sequence, which retires a signed
    link (so an old reminder cannot act on the visit as it is now): instead of a redirect home
    to a link that no longer opens, the patient who made it lands on a fresh one. A manage
    token outlives changes and keeps its own address."""
    booking_id, sequence = booking.id, booking.sequence
    response = change()
    booking = db.session.get_one(Booking, booking_id)
    if booking.sequence != sequence and _booking_for(token) is None:
        return redirect(url_for("booking.manage", token=sign_manage_link(booking)))
    return response


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
