"""Who may open what: every protected URL x every role (and anonymous) -> the status they get."""

import re

import pytest
from sqlalchemy import func, select

from clinic_app.accounts.models import Role
from clinic_app.audit.models import AuditEvent
from clinic_app.extensions import db
from tests.factories import make_booking, make_clinic, make_user

ANON = "anonymous"
ROLES = [ANON, *[role.value for role in Role]]

# URL -> the roles that get 200; everyone else signed in gets 403, anonymous is sent to log in.
PROTECTED = {
    "/my/": {"patient"},
    "/my/profile": {"patient"},
    "/my/data.json": {"patient"},
    "/my/record.fhir.json": {"patient"},
    "/my/delete": {"patient"},
    "/my/record-access": {"patient"},
    "/practice/": {"practitioner", "clinic_manager"},
    "/practice/clinics/{own_clinic}": {"practitioner", "clinic_manager"},
    "/practice/clinics/{own_clinic}/schedule": {"practitioner", "clinic_manager"},
    "/practice/clinics/{own_clinic}/schedule?view=week": {"practitioner", "clinic_manager"},
    "/practice/clinics/{own_clinic}/visits/new": {"practitioner", "clinic_manager"},
    "/practice/clinics/{own_clinic}/team": {"practitioner", "clinic_manager", "head_office", "admin"},
    "/account/two-factor": {"practitioner", "clinic_manager", "head_office", "admin"},
    "/headoffice/": {"head_office", "admin"},
    "/headoffice/audit": {"head_office", "admin"},
    "/headoffice/rollout": {"head_office", "admin"},
    "/headoffice/reports": {"head_office", "admin"},
    "/headoffice/texts": {"head_office", "admin"},
    "/headoffice/claim": {"head_office", "admin"},
    "/headoffice/network": {"head_office", "admin"},
    "/headoffice/where-next": {"head_office", "admin"},
    "/headoffice/where-next.csv": {"head_office", "admin"},
    "/headoffice/reports/bookings.csv": {"head_office", "admin"},
    "/headoffice/reports/charts/bookings-over-time.csv": {"head_office", "admin"},
    "/headoffice/rollout/timeline": {"head_office", "admin"},
    "/admin/": {"head_office", "admin"},
    "/admin/clinics": {"head_office", "admin"},
    "/admin/clinics/new": {"head_office", "admin"},
    "/admin/clinics/{own_clinic}/edit": {"head_office", "admin"},
    "/admin/users": {"admin"},
    "/admin/outbox": {"head_office", "admin"},
}
PUBLIC = [
    "/",
    "/clinics",
    "/clinics/{own_slug}",
    "/clinics/nearest?q=10001",
    "/clinics/place-suggestions?q=Aus",
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
    "/api/v1/services",
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


HEALTH_DATA_AREAS = ("/my/", "/practice/", "/headoffice/")


@pytest.mark.parametrize("url", [url for url in sorted(PROTECTED) if url.startswith(HEALTH_DATA_AREAS)])
def test_pages_with_health_data_are_never_kept_by_the_browser(client, world, url):
    """After signing out on a shared desk computer, Back must not show the last patient."""
    role = sorted(PROTECTED[url])[0]
    response = _signed_in(client, world, role).get(url.format(own_clinic=world["own"].id))
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"


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


@pytest.mark.parametrize("role", ["practitioner", "clinic_manager"])
@pytest.mark.parametrize("url", ["/practice/clinics/{}/schedule", "/practice/clinics/{}/schedule?view=week",
                                 "/practice/clinics/{}/visits/new"])
def test_staff_cannot_open_another_clinics_schedule(client, world, role, url):
    _signed_in(client, world, role)
    assert client.get(url.format(world["other"].id)).status_code == 403


# Every page of a patient's treatment record, with the method that reaches it.
RECORD_URLS = [
    ("GET", "/practice/patients/{patient}"),
    ("GET", "/practice/patients/{patient}/edit"),
    ("POST", "/practice/patients/{patient}/edit"),
    ("GET", "/practice/patients/{patient}/odi"),
    ("POST", "/practice/patients/{patient}/odi"),
    ("POST", "/practice/patients/{patient}/episodes/{episode}/discharge"),
    ("GET", "/practice/patients/{patient}/programme"),
    ("POST", "/practice/patients/{patient}/programme"),
    ("GET", "/practice/visits/{visit}/note"),
    ("POST", "/practice/visits/{visit}/note"),
    ("POST", "/practice/visits/{visit}/note/addenda"),
    ("POST", "/practice/visits/{visit}/note/cosign"),
    ("POST", "/practice/patients/{patient}/nudge"),
    ("GET", "/practice/patients/{patient}/red-flags"),
    ("POST", "/practice/patients/{patient}/red-flags"),
    ("GET", "/practice/patients/{patient}/startback"),
    ("POST", "/practice/patients/{patient}/startback"),
    ("POST", "/practice/patients/{patient}/intake-questionnaire"),
]
RECORD_POST = {"condition": "x", "timepoint": "intake", "subjective": "x", "pain_before": "5", "reason": "x",
               "body": "x", "sign": "y", **{f"section_{n}": "1" for n in range(1, 11)}}


@pytest.fixture
def other_clinics_visit(world):
    return make_booking(clinic=world["other"])


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(("method", "url"), RECORD_URLS)
def test_records_of_another_clinics_patient_stay_closed(client, world, other_clinics_visit, role, method, url):
    """Staff of clinic A get 404 for a clinic B patient (no hint the patient exists); patients,
    head office and admin never reach the practice area; nothing is read or written."""
    path = url.format(patient=other_clinics_visit.patient_id, visit=other_clinics_visit.id, episode=1)
    _signed_in(client, world, role)
    if method == "GET":
        response = client.get(path)
    else:
        response = client.submit(path, RECORD_POST, page="/login" if role == ANON else "/")
    if role == ANON:
        assert response.status_code == 302 and response.headers["Location"].startswith("/login?next=")
    else:
        assert response.status_code == (404 if role in ("practitioner", "clinic_manager") else 403)
    assert db.session.scalar(select(func.count()).select_from(AuditEvent)) == 0


@pytest.mark.parametrize("role", ["practitioner", "clinic_manager"])
def test_staff_open_the_chart_of_their_own_clinics_patient(client, world, role):
    visit = make_booking(clinic=world["own"])
    _signed_in(client, world, role)
    assert client.get(f"/practice/patients/{visit.patient_id}").status_code == 200
    assert client.get(f"/practice/visits/{visit.id}/note").status_code == 200


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
        "/my/programme/{}/check-in",  # by token, POST: tests/test_check_ins.py
        "/my/check-in",  # POST, patients only: tests/test_check_ins.py
        "/my/intake/{}",  # by signed link: tests/test_screening.py
        "/practice/red-flags/{}/action",  # by screen, POST: tests/test_screening.py
        "/book/manage/{}",  # by token: tests/test_booking_pages.py
        "/book/manage/{}/calendar.ics",
        "/book/manage/{}/cancel",
        "/book/manage/{}/reschedule",
        # later booking steps need a service the world here has none of: tests/test_booking_pages.py
        "/book/practitioner",
        "/book/time",
        "/book/details",
        # the waitlist needs a service too, and leaving it a token: tests/test_waitlist.py
        "/book/waitlist",
        "/book/waitlist/joined",
        "/book/waitlist/leave/{}",
        "/book/waitlist/confirm/{}",  # by signed link, public like leaving: tests/test_waitlist.py
    }
    # a practitioner's team pages and the POST-only team changes: tests/test_practice_team.py
    tested_elsewhere |= {
        "/practice/clinics/{}/team/{}",
        "/practice/clinics/{}/team/accounts/{}/profile",
        "/practice/clinics/{}/team/{}/hours",
        "/practice/clinics/{}/team/{}/dated",
        "/practice/clinics/{}/team/{}/dated/{}/delete",
        "/practice/clinics/{}/team/{}/time-off",
        "/practice/clinics/{}/team/{}/time-off/{}/delete",
        "/practice/clinics/{}/closures",
        "/practice/clinics/{}/closures/{}/delete",
    }
    # a visit's desk actions need a booking: tests/test_practice_schedule.py
    tested_elsewhere |= {
        "/practice/clinics/{}/visits/{}/status",
        "/practice/clinics/{}/visits/{}/change",
        "/practice/clinics/{}/visits/{}/move",
        "/practice/clinics/{}/visits/{}/cancel",
        "/practice/clinics/{}/visits/{}/details",  # details given at booking, POST
    }
    # treatment records need a patient: test_records_of_another_clinics_patient_stay_closed
    # below and tests/test_practice_records.py
    tested_elsewhere |= {shape(url) for _, url in RECORD_URLS}
    # /my/ pages by object or token, and the POST-only ones: tests/test_portal_access.py (visits),
    # tests/test_check_in_reminders.py (reminders), tests/test_patient_account.py (confirmation)
    tested_elsewhere |= {
        "/my/visits/{}/cancel",
        "/my/visits/{}/reschedule",
        "/my/reminders",
        "/my/reminders/{}",
        "/my/reminders/{}/check-in",
        "/my/reminders/stop/{}",
        "/my/why-stopped/{}",  # tests/test_stop_questions.py
        "/my/programme/{}/reminders",
        "/my/verify-email",
        "/verify-email/{}",
    }
    # the second sign-in step needs a pending password step: tests/test_two_factor.py
    tested_elsewhere |= {"/login/two-factor"}
    # every report table as CSV (bookings.csv is in PROTECTED above): tests/test_reporting.py
    tested_elsewhere |= {"/headoffice/reports/{}.csv"}
    # every chart's data as CSV (bookings-over-time.csv is in PROTECTED above): tests/test_headoffice_charts.py
    tested_elsewhere |= {"/headoffice/reports/charts/{}.csv"}
    # an alert needs a check-in: tests/test_early_warning.py (other clinic 404, other roles 403)
    tested_elsewhere |= {"/practice/alerts/{}/acknowledge"}
    # trying a failed e-mail again needs one, and is a POST: tests/test_failed_mail_page.py
    tested_elsewhere |= {"/admin/outbox/{}/retry"}
    # a clinic's rollout and its milestones need a rollout: tests/test_rollout.py
    tested_elsewhere |= {
        "/headoffice/rollout/{}",
        "/headoffice/rollout/{}/notes",
        "/headoffice/rollout/{}/milestones",
        "/headoffice/rollout/{}/milestones/{}",
        "/headoffice/rollout/{}/milestones/{}/done",
        "/headoffice/rollout/{}/advance",
    }
    # the booking API needs a service, a POST body or a visit's token: tests/test_booking_api.py
    tested_elsewhere |= {
        "/api/v1/clinics/{}/availability",
        "/api/v1/bookings",
        "/api/v1/bookings/{}",
        "/api/v1/bookings/{}/cancel",
        "/api/v1/bookings/{}/reschedule",
    }
    # the FHIR API: public directory, token endpoint, and the patient resources a partner's
    # token opens: tests/test_fhir_public.py, tests/test_fhir_records.py, tests/test_fhir_capability.py
    tested_elsewhere |= {shape(rule.rule) for rule in app.url_map.iter_rules() if rule.rule.startswith("/fhir/R4/")}
    # the SMS provider's webhooks: no session, a signature instead (403 without): tests/test_texts.py
    tested_elsewhere |= {"/sms/incoming", "/sms/status"}
    covered = {shape(url.split("?")[0]) for url in [*PROTECTED, *PUBLIC]} | tested_elsewhere
    routes = {shape(rule.rule) for rule in app.url_map.iter_rules()}
    assert routes - covered == set()
