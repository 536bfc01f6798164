"""/headoffice/claim: the founding claim, both halves, against the data (reporting/claim.py),
for the same days and clinic as the network reports."""

from __future__ import annotations

from flask import render_template

from clinic_app.accounts.policy import area_required
from clinic_app.clock import utcnow
from clinic_app.extensions import db
from clinic_app.headoffice import bp
from clinic_app.headoffice.reports import read_report_form
from clinic_app.reporting.claim import claim_figures
from clinic_app.reporting.definitions import CLAIMED_DAY_3_SHARE, DEFINITIONS
from clinic_app.reporting.queries.sql import without_jit
from clinic_app.reporting.statistics import SUPPRESSED


@bp.get("/claim")
@area_required("headoffice")
def claim():
    """Do patients stop within 2-3 days, and because the exercises don't help?"""
    form, report = read_report_form()
    figures = None
    if report is not None:
        without_jit(db.session)
        figures = claim_figures(report, utcnow())
    return render_template("headoffice/claim.html", form=form, report=report, figures=figures,
                           definitions=DEFINITIONS, claimed=CLAIMED_DAY_3_SHARE,
                           suppressed_text=SUPPRESSED), 200 if report else 422
