"""The home page and the health check."""

from __future__ import annotations

from flask import jsonify, render_template
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from clinic_app.clinics.forms import NearestSearchForm
from clinic_app.clinics.models import ClinicStatus
from clinic_app.clinics.service import count_clinics_by_status, states_with_open_clinics
from clinic_app.extensions import db, limiter
from clinic_app.geo.states import US_STATES
from clinic_app.public import bp


@bp.get("/")
def home():
    counts = count_clinics_by_status()
    return render_template(
        "public/home.html",
        search_form=NearestSearchForm(formdata=None),
        open_count=counts.get(ClinicStatus.OPEN, 0),
        coming_soon_count=counts.get(ClinicStatus.COMING_SOON, 0),
        states=[US_STATES.get(code, code) for code in states_with_open_clinics()],
    )


@bp.get("/healthz")
@limiter.exempt
def healthz():
    """200 when the database answers a query, 503 otherwise (for load balancers)."""
    try:
        db.session.execute(text("SELECT 1"))
    except SQLAlchemyError:
        db.session.rollback()
        return jsonify(status="unavailable", database="down"), 503
    return jsonify(status="ok")
