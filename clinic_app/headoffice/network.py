"""The network map (/headoffice/network) and where to open next (/headoffice/where-next and
its CSV file): the figures and the ranking are demand's (demand/network_data.py, where_next*.py)."""

from __future__ import annotations

import csv
import io

from flask import Response, current_app, render_template, request

from clinic_app.accounts.policy import area_required
from clinic_app.clinics.service import count_clinics_by_status
from clinic_app.clock import utcnow
from clinic_app.demand import network_data
from clinic_app.demand.where_next import SEARCH_WEIGHT, NearestClinic, WhereNext
from clinic_app.demand.where_next_service import DEMAND_DAYS, MIN_CITY_POPULATION, find_where_next
from clinic_app.headoffice import bp
from clinic_app.headoffice.network_forms import DEFAULT_PIPELINE_FROM, MAX_PICKS, WhereNextForm
from clinic_app.headoffice.reports import FORMULA_START
from clinic_app.rollout.models import RolloutStage
from clinic_app.rollout.service import pipeline_clinics

DEFAULT_PICKS = 10
WHERE_NEXT_FIELDS = ("radius_miles", "count", "pipeline", "pipeline_from")
CSV_COLUMNS = ("Rank", "City", "State", "City population", "Population gained", "Searches covered",
               "Sign-ups covered", "Score", "Nearest existing clinic (miles)", "Nearest existing clinic",
               "Nearest planned clinic", "Nearest planned clinic (miles)", "Planned clinic's stage",
               "People within the radius", "Largest place within the radius")


@bp.get("/network")
@area_required("headoffice")
def network():
    """Clinics by status, unserved searches by area and sign-ups by ZIP3: tables, and a map."""
    clinics = network_data.network_clinics()
    searches = network_data.unserved_searches_by_area(utcnow().date())
    signups = network_data.signups_by_zip3()
    return render_template(
        "headoffice/network.html", clinics=clinics, searches=searches, signups=signups,
        status_counts=count_clinics_by_status(), statuses=network_data.STATUS_ORDER,
        letters=network_data.STATUS_LETTERS, demand_days=DEMAND_DAYS,
        map_data=network_data.map_data(clinics, searches, signups),
    )


@bp.get("/where-next")
@area_required("headoffice")
def where_next():
    """The ranked cities for the radius and count asked for; a bad field is shown next to it."""
    form, valid = read_where_next_form()
    ranking = rank_for(form) if valid else None
    args = {name: request.args[name] for name in WHERE_NEXT_FIELDS if request.args.get(name)}
    if valid and not request.args:
        args = {"radius_miles": form.radius_miles.data, "count": form.count.data, "pipeline": "y",
                "pipeline_from": form.pipeline_from.data}
    return render_template(
        "headoffice/where_next.html", form=form, ranking=ranking, csv_args=args, search_weight=SEARCH_WEIGHT,
        demand_days=DEMAND_DAYS, min_population=current_app.config["WHERE_NEXT_MIN_CITY_POPULATION"],
        counted_population=MIN_CITY_POPULATION, max_picks=MAX_PICKS,
        stage_labels={stage.value: stage.label for stage in RolloutStage},
    ), 200 if valid else 422


def rank_for(form: WhereNextForm) -> WhereNext:
    """The ranking the form asks for: open clinics cover; pipeline clinics from the chosen stage
    too when the toggle is on; candidates of the configured population or more."""
    planned = pipeline_clinics(form.pipeline_from.data if form.pipeline.data else None)
    return find_where_next(form.radius_miles.data, form.count.data, utcnow().date(), planned,
                           current_app.config["WHERE_NEXT_MIN_CITY_POPULATION"])


@bp.get("/where-next.csv")
@area_required("headoffice")
def where_next_csv():
    """The same ranking as a CSV file."""
    form, valid = read_where_next_form()
    if not valid:
        errors = "; ".join(f"{form[name].label.text}: {' '.join(form[name].errors)}"
                           for name in WHERE_NEXT_FIELDS if form[name].errors)
        return Response(errors + "\n", 422, mimetype="text/plain")
    ranking = rank_for(form)
    name = f"where-next-{form.radius_miles.data}-miles-{utcnow().date().isoformat()}.csv"
    return Response(ranking_csv(ranking), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})


def read_where_next_form() -> tuple[WhereNextForm, bool]:
    """The form from the query string, and whether it is valid; with no query string at all,
    the service radius and ten cities."""
    if not any(request.args.get(name) for name in WHERE_NEXT_FIELDS):
        defaults = {"radius_miles": current_app.config["SERVICE_RADIUS_MILES"], "count": DEFAULT_PICKS,
                    "pipeline": True, "pipeline_from": DEFAULT_PIPELINE_FROM.value}
        return WhereNextForm(formdata=None, **defaults), True
    form = WhereNextForm(formdata=request.args)
    return form, form.validate()


def ranking_csv(ranking: WhereNext) -> str:
    """One row per pick; a city name that starts like a formula is defused with a quote."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    for pick in ranking.picks:
        existing, planned, anchor = pick.nearest_existing, pick.nearest_planned, pick.metro_anchor
        writer.writerow([
            pick.rank, _defused(pick.city.name), pick.city.state, pick.city.population, pick.population_gained,
            pick.searches_covered, pick.signups_covered, pick.score, _miles(existing),
            _defused(existing.name) if existing else "", _defused(planned.name) if planned else "",
            _miles(planned), planned.stage_label if planned else "", pick.people_within_radius,
            f"{_defused(anchor.name)}, {anchor.state}" if anchor else "",
        ])
    return out.getvalue()


def _defused(text: str) -> str:
    """A name that starts like a spreadsheet formula, defused with a quote."""
    return "'" + text if FORMULA_START.match(text) else text


def _miles(clinic: NearestClinic | None) -> str:
    return "" if clinic is None else f"{clinic.miles:.1f}"
