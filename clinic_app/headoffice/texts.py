"""/headoffice/texts: how text-message reminders do (clinic_app/reporting/queries/texts.py),
over the same days and clinics as the network reports."""

from __future__ import annotations

from flask import render_template

from clinic_app.accounts.policy import area_required
from clinic_app.headoffice import bp
from clinic_app.headoffice.reports import read_report_form
from clinic_app.reporting.definitions import DEFINITIONS
from clinic_app.reporting.queries.texts import text_figures
from clinic_app.reporting.statistics import MIN_PATIENTS


@bp.get("/texts")
@area_required("headoffice")
def texts():
    form, report = read_report_form()
    figures = text_figures(report) if report else None
    return render_template("headoffice/texts.html", form=form, report=report, figures=figures,
                           definitions=DEFINITIONS, smallest=MIN_PATIENTS), 200 if report else 422
