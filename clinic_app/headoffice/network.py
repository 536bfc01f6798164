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
from clinic_app.demand.where_next import SEARCH_WEIGHT, WhereNext
from clinic_app.demand.where_next_service import DEMAND_DAYS, MIN_CITY_POPULATION, find_where_next
from clinic_app.headoffice import bp
from clinic_app.headoffice.network_forms import MAX_PICKS, WhereNextForm
from clinic_app.headoffice.reports import FORMULA_START

DEFAULT_PICKS = 10
WHERE_NEXT_FIELDS = ("radius_miles", "count")
CSV_COLUMNS = ("Rank", "City", "State", "City population", "Population gained", "Searches covered",
               "Sign-ups covered", "Score", "Nearest existing clinic (miles)")


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
    ranking = find_where_next(form.radius_miles.data, form.count.data, utcnow().date()) if valid else None
    args = {name: request.args[name] for name in WHERE_NEXT_FIELDS if request.args.get(name)}
    return render_template(
        "headoffice/where_next.html", form=form, ranking=ranking, csv_args=args, search_weight=SEARCH_WEIGHT,
        demand_days=DEMAND_DAYS, min_population=MIN_CITY_POPULATION, max_picks=MAX_PICKS,
    ), 200 if valid else 422


@bp.get("/where-next.csv")
@area_required("headoffice")
def where_next_csv():
    """The same ranking as a CSV file."""
    form, valid = read_where_next_form()
    if not valid:
        errors = "; ".join(f"{form[name].label.text}: {' '.join(form[name].errors)}"
                           for name in WHERE_NEXT_FIELDS if form[name].errors)
        return Response(errors + "\n", 422, mimetype="text/plain")
    ranking = find_where_next(form.radius_miles.data, form.count.data, utcnow().date())
    name = f"where-next-{form.radius_miles.data}-miles-{utcnow().date().isoformat()}.csv"
    return Response(ranking_csv(ranking), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})


def read_where_next_form() -> tuple[WhereNextForm, bool]:
    """The form from the query string, and whether it is valid; with no query string at all,
    the service radius and ten cities."""
    if not any(request.args.get(name) for name in WHERE_NEXT_FIELDS):
        defaults = {"radius_miles": current_app.config["SERVICE_RADIUS_MILES"], "count": DEFAULT_PICKS}
        return WhereNextForm(formdata=None, **defaults), True
    form = WhereNextForm(formdata=request.args)
    return form, form.validate()


def ranking_csv(ranking: WhereNext) -> str:
    """One row per pick; a city name that starts like a formula is defused with a quote."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    for pick in ranking.picks:
        nearest = "" if pick.nearest_clinic_miles is None else f"{pick.nearest_clinic_miles:.1f}"
        city_name = "'" + pick.city.name if FORMULA_START.match(pick.city.name) else pick.city.name
        writer.writerow([pick.rank, city_name, pick.city.state, pick.city.population, pick.population_gained,
                         pick.searches_covered, pick.signups_covered, pick.score, nearest])
    return out.getvalue()
