"""What a visitor can open with GET on a seeded demo site without signing in or holding a secret
link: every public page and API GET, the nearest-clinic search over various ZIP codes, places
and coordinates, and the sign-in redirect of each signed-in area. The real-server tests
(tests/test_serving.py) walk it, and check that no GET route is missing from it.
"""

from __future__ import annotations

import http.client
import json
import urllib.error
import urllib.parse
import urllib.request
from datetime import date, timedelta

from sqlalchemy import func, select

# Served (dense), served far out, and unserved places, in several time zones.
ZIPS = ("10001", "85004", "02116", "60601", "94103", "98101", "33131", "96813", "99501", "80202", "30303", "59001")
PLACES = ("Phoenix, AZ", "Boston, MA", "Chicago, IL", "Seattle, WA", "Honolulu, HI", "Billings, MT")
COORDINATES = ((40.75, -73.99), (33.45, -112.07), (44.98, -93.27))
# Where an anonymous visitor is sent to sign in.
SIGNED_IN_AREAS = ("/my/", "/practice/", "/headoffice/", "/admin/", "/account/two-factor", "/login/two-factor")
# Routes opened only through a secret link (a manage, reset, confirmation or programme token).
SECRET_LINK_MARK = "<token>"
# The FHIR API: its capability statement is walked here; every one of its routes, by id and by
# search, public or behind a partner's token, is exercised by tests/test_fhir_contract.py
# (schemathesis over every route, no 5xx) and tests/test_fhir_public.py / test_fhir_records.py.
FHIR_API = "/fhir/R4/"
SERVICE = "follow-up"


def public_paths(base_url: str, searches: int = len(ZIPS)) -> list[str]:
    """Every public GET of the site at ``base_url`` (clinic ids and slugs and a free time come
    from its own API), with the nearest-clinic search by the first ``searches`` ZIP codes, places
    and coordinates of the lists above, on the page and in the API."""
    clinics = get_json(base_url, "/api/v1/clinics")["clinics"]
    opened = [c for c in clinics if c["status"] == "open"]
    coming = [c for c in clinics if c["status"] != "open"]
    clinic = opened[0]
    journey = {"clinic": clinic["slug"], "service": SERVICE}
    start = first_free_start(base_url, clinic["id"])
    pages = [
        "/", "/healthz", "/clinics", f"/clinics/{clinic['slug']}", f"/clinics/{coming[0]['slug']}",
        "/clinics/nearest", "/clinics/opening-alerts", "/static/css/site.css", "/clinics/place-suggestions?q=Aus",
        "/book/", f"/book/?clinic={clinic['slug']}", _with("/book/service", clinic=clinic["slug"]),
        _with("/book/practitioner", **journey), _with("/book/time", **journey, practitioner="any"),
        _with("/book/details", **journey, practitioner="any", start=start),
        _with("/book/waitlist", **journey), _with("/book/waitlist/joined", **journey),
        "/login", "/register", "/reset-password",
        "/api/v1/", "/api/v1/openapi.json", "/api/v1/clinics", f"/api/v1/clinics/{clinic['id']}",
        f"/api/v1/clinics/{clinic['id']}/availability?service={SERVICE}&days=7", "/api/v1/services",
        FHIR_API + "metadata",
    ]
    return pages + list(SIGNED_IN_AREAS) + nearest_searches(searches)


def nearest_searches(count: int) -> list[str]:
    """The page and the API, by ZIP, by place and by coordinates, up to ``count`` of each: every
    answer records one anonymous demand point."""
    found = []
    for zip_code in ZIPS[:count]:
        found += [_with("/clinics/nearest", q=zip_code), _with("/api/v1/clinics/nearest", zip=zip_code)]
    for place in PLACES[:count]:
        found += [_with("/clinics/nearest", q=place), _with("/api/v1/clinics/nearest", q=place)]
    for lat, lng in COORDINATES[:count]:
        found += [_with("/clinics/nearest", lat=lat, lng=lng), _with("/api/v1/clinics/nearest", lat=lat, lng=lng)]
    return found


def records_demand(path: str) -> bool:
    """Whether a 200 answer to ``path`` recorded a demand point (a search with a query)."""
    return "/nearest?" in path


def demand_points(database_url: str) -> int:
    """How many demand points the site's database holds, counted in SQL."""
    from clinic_app import create_app
    from clinic_app.demand.models import DemandPoint
    from clinic_app.extensions import db

    with create_app("testing", {"DATABASE_URL": database_url}).app_context():
        try:
            return db.session.scalar(select(func.count()).select_from(DemandPoint))
        finally:
            db.session.remove()
            db.engine.dispose()


def first_free_start(base_url: str, clinic_id: int) -> str:
    week = get_json(base_url, f"/api/v1/clinics/{clinic_id}/availability?service={SERVICE}&days=14"
                              f"&start={(date.today() + timedelta(days=1)).isoformat()}")
    return week["slots"][0]["start"]


def get_json(base_url: str, path: str) -> dict:
    with urllib.request.urlopen(base_url + path, timeout=60) as answer:  # noqa: S310 - local test server
        return json.loads(answer.read())


def get_status(base_url: str, path: str) -> int:
    """The status of GET ``path``, redirects not followed; 0 when the server did not answer."""
    try:
        with _NO_REDIRECTS.open(base_url + path, timeout=60) as answer:
            answer.read()
            return answer.status
    except urllib.error.HTTPError as error:
        with error:
            return error.code
    except (OSError, http.client.HTTPException):  # refused, reset, or cut off mid-answer
        return 0


def _with(path: str, **query) -> str:
    return f"{path}?{urllib.parse.urlencode(query)}"


class _KeepRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


_NO_REDIRECTS = urllib.request.build_opener(_KeepRedirects())
