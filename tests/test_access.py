"""Who may open what: every protected URL x every role (and anonymous) -> the status they get."""

import re

import pytest

from clinic_app.accounts.models import Role
from tests.factories import make_clinic, make_user

ANON = "anonymous"
ROLES = [ANON, *[role.value for role in Role]]

# URL -> the roles that get 200; everyone else signed in gets 403, anonymous is sent to log in.
PROTECTED = {
    "/my/": {"patient"},
    "/practice/": {"practitioner", "clinic_manager"},
    "/practice/clinics/{own_clinic}": {"practitioner", "clinic_manager"},
    "/headoffice/": {"head_office", "admin"},
    "/admin/": {"head_office", "admin"},
    "/admin/clinics": {"head_office", "admin"},
    "/admin/clinics/new": {"head_office", "admin"},
    "/admin/clinics/{own_clinic}/edit": {"head_office", "admin"},
    "/admin/users": {"admin"},
}
PUBLIC = [
    "/",
    "/clinics",
    "/clinics/{own_slug}",
    "/clinics/nearest?q=10001",
    "/clinics/opening-alerts",
    "/book/",
    "/book/service?clinic={own_slug}",
    "/login",
    "/register",
    "/reset-password",
    "/healthz",
    "/api/v1/",
    "/api/v1/clinics",
    "/api/v1/clinics/{own_clinic}",
    "/api/v1/clinics/nearest?zip=10001",
    "/api/v1/openapi.json",
]


@pytest.fixture
def world(app):
    own = make_clinic(name="Own Clinic")
    other = make_clinic(name="Other Clinic", slug="other-clinic")
    users = {
        role: make_user(role, clinics=[own] if role in ("practitioner", "clinic_manager") else [])
        for role in ROLES
        if role != ANON
    }
    return {"own": own, "other": other, "users": users}


def _signed_in(client, world, role):
    if role != ANON:
        response = client.login(world["users"][role].email)
        assert response.status_code == 302
    return client


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("url", sorted(PROTECTED))
def test_protected_page_answers_by_role(client, world, url, role):
    path = url.format(own_clinic=world["own"].id)
    response = _signed_in(client, world, role).get(path)
    if role == ANON:
        assert response.status_code == 302
        assert response.headers["Location"].startswith("/login?next=")
    elif role in PROTECTED[url]:
        assert response.status_code == 200
    else:
        assert response.status_code == 403


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("url", PUBLIC)
def test_public_page_is_open_to_everyone(client, world, url, role):
    response = _signed_in(client, world, role).get(url.format(own_slug=world["own"].slug, own_clinic=world["own"].id))
    # A signed-in user opening the login page is sent on to their own area.
    assert response.status_code == (302 if url == "/login" and role != ANON else 200)


@pytest.mark.parametrize("role", ["practitioner", "clinic_manager"])
def test_staff_cannot_open_a_clinic_they_do_not_work_at(client, world, role):
    _signed_in(client, world, role)
    assert client.get(f"/practice/clinics/{world['other'].id}").status_code == 403


def test_every_route_is_in_the_access_table(app):
    """A new page must be given a rule in this file before it can ship."""

    def shape(url):
        return re.sub(r"<[^>]+>|\{[^}]+\}", "{}", url)

    # POST-only, token pages, files
    tested_elsewhere = {
        "/logout",
        "/reset-password/{}",
        "/clinics/opening-alerts/unsubscribe/{}",
        "/static/{}",
        "/my/programme/{}",  # by token: tests/test_treatment_records.py
        "/book/manage/{}",  # by token: tests/test_booking_pages.py
        "/book/manage/{}/calendar.ics",
        "/book/manage/{}/cancel",
        "/book/manage/{}/reschedule",
        # later booking steps need a service the world here has none of: tests/test_booking_pages.py
        "/book/practitioner",
        "/book/time",
        "/book/details",
    }
    covered = {shape(url.split("?")[0]) for url in [*PROTECTED, *PUBLIC]} | tested_elsewhere
    routes = {shape(rule.rule) for rule in app.url_map.iter_rules()}
    assert routes - covered == set()
