"""Network reporting pages: /headoffice/reports and a CSV file for every table on it.

The figures are computed in clinic_app/reporting/ (tables.py, queries/, definitions.py); this
module reads the form and answers with the page or the file. A bad date is shown next to its
field with a 422.
"""

from __future__ import annotations

import csv
import io
import re

from flask import Response, abort, render_template, request
from wtforms import SelectChoice

from clinic_app.accounts.policy import area_required
from clinic_app.clock import utcnow
from clinic_app.headoffice import bp
from clinic_app.headoffice.charts.svg import Chart
from clinic_app.headoffice.report_charts import CHART_KEYS, report_charts
from clinic_app.headoffice.report_page import ShownTable, headline_figures, shown_tables
from clinic_app.headoffice.reporting_forms import ReportForm
from clinic_app.reporting.definitions import DEFINITIONS
from clinic_app.reporting.queries.scope import ReportRange, clinic_choices, default_range
from clinic_app.reporting.tables import NETWORK, TABLE_KEYS, build_tables

REPORT_FIELDS = ("since", "until", "clinic")
# Which table each chart is drawn from: its CSV is built from that table alone.
CHART_TABLE = {"bookings-over-time": "bookings", "utilisation-over-time": "bookings", "no-show-funnel": "bookings",
               "outcomes-funnel": "outcomes", "retention-curve": "retention", "exercise-effect": "exercises"}
# A spreadsheet runs a cell that starts like a formula: text cells are defused with a quote.
FORMULA_START = re.compile(r"^[=+\-@\t\r]")
NUMBER = re.compile(r"^-?[0-9]+(\.[0-9]+)?%?$")


@bp.get("/reports")
@area_required("headoffice")
def reports():
    """Bookings, utilisation, outcomes and adherence: a summary with charts first, then each
    table by clinic on demand; clinics without data are left out unless ``empty=1``."""
    form, report = read_report_form()
    tables = build_tables(report, utcnow()) if report else []
    args = {name: request.args[name] for name in REPORT_FIELDS if request.args.get(name)}
    show_empty = request.args.get("empty") == "1"
    return render_template("headoffice/reports.html", form=form, report=report, shown=shown_tables(tables, show_empty),
                           charts=report_charts(tables), headlines=headline_figures(tables), page_args=args,
                           csv_args={**args, **({"empty": "1"} if show_empty else {})},
                           network=NETWORK, show_empty=show_empty, definitions=DEFINITIONS), 200 if report else 422


@bp.get("/reports/charts/<key>.csv")
@area_required("headoffice")
def report_chart_csv(key: str):
    """A chart's data as a CSV file: the rows of its table on the page."""
    if key not in CHART_KEYS:
        abort(404)
    form, report = read_report_form()
    if report is None:
        return _invalid_form(form)
    tables = build_tables(report, utcnow(), only=CHART_TABLE[key])
    chart = next((chart for chart in report_charts(tables) if chart.key == key), None)
    if chart is None:
        abort(404)
    return _csv_file(key, report, chart_csv(chart))


def _csv_file(key: str, report: ReportRange, text: str) -> Response:
    name = f"{key}-{report.first_day.isoformat()}-to-{report.last_day.isoformat()}.csv"
    return Response(text, mimetype="text/csv", headers={"Content-Disposition": f'attachment; filename="{name}"'})


def _invalid_form(form: ReportForm) -> Response:
    errors = "; ".join(f"{form[name].label.text}: {' '.join(form[name].errors)}"
                       for name in REPORT_FIELDS if form[name].errors)
    return Response(errors + "\n", 422, mimetype="text/plain")


@bp.get("/reports/<key>.csv")
@area_required("headoffice")
def report_csv(key: str):
    """One table of the page as a CSV file, same range, same numbers."""
    if key not in TABLE_KEYS:
        abort(404)
    form, report = read_report_form()
    if report is None:
        return _invalid_form(form)
    table = shown_tables(build_tables(report, utcnow(), only=key), request.args.get("empty") == "1")[0]
    return _csv_file(key, report, table_csv(table))


def read_report_form() -> tuple[ReportForm, ReportRange | None]:
    """The form and the range it asks for; None when the form is invalid. With no query
    string at all, the last 28 days for every clinic."""
    today = utcnow().date()
    choices = [SelectChoice("", "All clinics"), *(SelectChoice(*choice) for choice in clinic_choices())]
    if not any(request.args.get(name) for name in REPORT_FIELDS):
        default = default_range(today)
        form = ReportForm(formdata=None, since=default.first_day, until=default.last_day)
        form.clinic.choices = choices
        return form, default
    form = ReportForm(formdata=request.args)
    form.clinic.choices = choices
    if not form.validate():
        return form, None
    clinic_id = int(form.clinic.data) if form.clinic.data else None
    return form, ReportRange(form.since.data, form.until.data, clinic_id)


def table_csv(shown: ShownTable) -> str:
    """The rows the page shows (clinics without data left out unless asked for), then the network."""
    table = shown.table
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([column.label for column in table.columns])
    for row in [*(cells for cells, _ in shown.rows), *([table.network] if table.network else [])]:
        writer.writerow([_safe_cell(cell) for cell in row])
    return out.getvalue()


def chart_csv(chart: Chart) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(chart.columns)
    for row in chart.rows:
        writer.writerow([_safe_cell(cell) for cell in row])
    return out.getvalue()


def _safe_cell(cell: str) -> str:
    return "'" + cell if FORMULA_START.match(cell) and not NUMBER.match(cell) else cell
