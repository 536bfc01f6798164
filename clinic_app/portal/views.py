"""The patient portal under /my/."""

from flask import Blueprint, abort, make_response, render_template
from flask_login import current_user

from clinic_app.accounts.policy import area_required
from clinic_app.treatments.programmes import current_programme, programme_for_token

bp = Blueprint("portal", __name__, url_prefix="/my")


@bp.get("/")
@area_required("portal")
def index():
    return render_template("portal/index.html", user=current_user)


@bp.get("/programme/<token>")
def programme_by_link(token: str):
    """The home programme a practitioner e-mailed, opened from the link without signing in
    (the token is the key) and printable. Says so when a newer version has replaced it."""
    programme = programme_for_token(token) or abort(404)
    latest = current_programme(programme.patient_id) if programme.replaced_at else programme
    response = make_response(render_template("portal/programme.html", programme=programme,
                                             replaced=latest is not programme))
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response
