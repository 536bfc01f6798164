"""The patient portal under /my/: visits, the home programme and its daily check-in."""

from __future__ import annotations

from flask import abort, url_for
from flask_login import current_user

from clinic_app.accounts.policy import area_required
from clinic_app.portal import bp
from clinic_app.portal.pages import own_programme, portal_page, programme_page, save_check_in
from clinic_app.treatments.programmes import programme_for_token


@bp.get("/")
@area_required("portal")
def index():
    return portal_page()


@bp.post("/check-in")
@area_required("portal")
def check_in():
    programme = own_programme(current_user.id) or abort(404)
    return save_check_in(programme, url_for("portal.index", _anchor="check-in-saved"), portal_page)


@bp.get("/programme/<token>")
def programme_by_link(token: str):
    """The home programme a practitioner e-mailed, opened from the link without signing in
    (the token is the key) and printable, with the day's check-in. Says so when a newer version
    has replaced it."""
    programme = programme_for_token(token) or abort(404)
    return programme_page(programme, token)


@bp.post("/programme/<token>/check-in")
def programme_check_in(token: str):
    programme = programme_for_token(token) or abort(404)
    back = url_for("portal.programme_by_link", token=token, _anchor="check-in-saved")
    return save_check_in(programme, back, lambda form: programme_page(programme, token, form))
