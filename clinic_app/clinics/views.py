"""Public clinic pages: the list, the nearest-clinic search, and one page per clinic."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, jsonify, render_template, request, url_for

from clinic_app.clinics import service
from clinic_app.clinics.address_lookup import configured_address_lookup
from clinic_app.clinics.forms import NearestSearchForm
from clinic_app.clinics.models import ClinicStatus
from clinic_app.clinics.rules import apple_directions_url, directions_url, weekly_schedule, zone_abbreviation
from clinic_app.clinics.search import search_near
from clinic_app.clinics.structured_data import medical_clinic_json_ld
from clinic_app.clock import utcnow
from clinic_app.demand.forms import OpeningAlertForm
from clinic_app.errors import DomainError
from clinic_app.extensions import db, limiter
from clinic_app.geo.geocoding import place_for_coordinates, place_for_text
from clinic_app.geo.place_names import suggest_places
from clinic_app.notifications.links import public_url
from clinic_app.scheduling.next_available import next_free_times
from clinic_app.scheduling.service import practitioners_at

bp = Blueprint("clinics", __name__, url_prefix="/clinics")

NEAREST_PAGE_RESULTS = 10


@bp.get("")
def index():
    now = utcnow()
    clinics = service.list_clinics()
    opening = {c.id: service.clinic_opening_status(c, now) for c in clinics}
    return render_template(
        "clinics/index.html",
        open_clinics=[c for c in clinics if c.status != ClinicStatus.COMING_SOON],
        coming_soon=[c for c in clinics if c.status == ClinicStatus.COMING_SOON],
        open_now={clinic_id for clinic_id, status in opening.items() if status.is_open},
        opening=opening,
    )


@bp.get("/nearest")
@limiter.limit("120 per minute")
def nearest():
    form = NearestSearchForm(request.args)
    if not request.args:
        return render_template("clinics/nearest.html", form=form, found=None)
    if not form.validate():
        return render_template("clinics/nearest.html", form=form, found=None), 422
    try:
        origin = _origin(form)
    except DomainError as error:
        form.populate_errors(error, default="q")
        suggestions = getattr(error, "suggestions", ())  # "did you mean", as links
        return render_template("clinics/nearest.html", form=form, found=None, suggestions=suggestions), error.status
    now = utcnow()
    found = search_near(origin, NEAREST_PAGE_RESULTS, form.radius, current_app.config["SERVICE_RADIUS_MILES"], now)
    # Rendered before the commit, which would expire the clinics loaded with their hours and
    # closures and make the template reload each one.
    page = render_template(
        "clinics/nearest.html",
        form=form,
        found=found,
        opening={n.clinic.id: service.clinic_opening_status(n.clinic, now) for n in found.results},
        alert_form=OpeningAlertForm(formdata=None, zip_code=found.origin.zip_code),
        google_directions=directions_url,
        apple_directions=apple_directions_url,
        map_data=_map_data(found),
        next_free=next_free_times([n.clinic for n in found.results], now),
    )
    db.session.commit()  # PostgreSQL: the anonymous demand point (SQLite committed it on its own)
    return page


def _map_data(found) -> dict:
    """What the map script draws; the list shows all of it too."""
    origin = found.origin
    return {
        "origin": {"latitude": origin.latitude, "longitude": origin.longitude, "label": origin.label},
        "clinics": [
            {
                "name": n.clinic.name,
                "latitude": n.clinic.latitude,
                "longitude": n.clinic.longitude,
                "url": url_for("clinics.show", slug=n.clinic.slug),
            }
            for n in found.results
        ],
    }


def _origin(form: NearestSearchForm):
    if form.q.data:
        return place_for_text(form.q.data, configured_address_lookup())
    return place_for_coordinates(form.lat.data, form.lng.data, "your location")


@bp.get("/place-suggestions")
@limiter.limit("600 per minute")
def place_suggestions():
    """Places starting with what is typed in the search box (static/js/place_suggest.js)."""
    response = jsonify(places=suggest_places(request.args.get("q", "")[:80]))
    response.cache_control.public = True  # the same letters always give the same places
    response.cache_control.max_age = 24 * 3600
    return response


@bp.get("/<slug>")
def show(slug: str):
    clinic = service.get_clinic_by_slug(slug)
    if clinic is None:
        abort(404)
    now = utcnow()
    return render_template(
        "clinics/show.html",
        clinic=clinic,
        schedule=weekly_schedule(service.clinic_hours(clinic)),
        zone_name=zone_abbreviation(clinic.timezone, now),
        open_now=service.is_clinic_open(clinic, now),
        opening=service.clinic_opening_status(clinic, now),
        directions=directions_url(clinic.latitude, clinic.longitude),
        apple_directions=apple_directions_url(clinic.latitude, clinic.longitude),
        upcoming_closures=service.upcoming_closures(clinic, now),
        practitioners=practitioners_at(clinic),
        next_free=next_free_times([clinic], now).get(clinic.id),
        json_ld=medical_clinic_json_ld(clinic, public_url("clinics.show", slug=clinic.slug)),
    )
