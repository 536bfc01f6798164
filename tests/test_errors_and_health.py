"""Errors answer in the caller's language, health tells the truth, and bad input never 500s."""

from datetime import date

import pytest
from sqlalchemy import event, select

from clinic_app import create_app
from clinic_app.accounts.models import Role, User
from clinic_app.extensions import db
from clinic_app.patients.models import Patient
from tests.factories import make_clinic, make_practitioner, make_service, make_user


def test_health_is_ok_when_the_database_answers(client):
    response = client.get("/healthz")
    assert response.status_code == 200 and response.get_json() == {"status": "ok"}


def test_health_is_503_when_the_database_is_unreachable(tmp_path):
    app = create_app("testing", {"DATABASE_URL": f"sqlite:///{tmp_path}/missing/dir/x.db"})
    response = app.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.get_json()["status"] == "unavailable"


def test_pages_answer_503_with_a_plain_message_when_the_database_is_down(tmp_path):
    app = create_app("testing", {"DATABASE_URL": f"sqlite:///{tmp_path}/missing/dir/x.db"})
    response = app.test_client().get("/clinics")
    assert response.status_code == 503
    assert "briefly unavailable" in response.get_data(as_text=True)


def test_api_errors_are_json_with_code_and_message(client):
    response = client.get("/api/v1/no-such-thing")
    assert response.status_code == 404
    assert response.get_json() == {"error": {"code": "not_found", "message": "We could not find that page."}}


def test_pages_errors_are_html(client):
    response = client.get("/no-such-page")
    assert response.status_code == 404 and response.mimetype == "text/html"


def test_an_unexpected_error_is_a_500_page_without_details(app, client):
    @app.get("/boom")
    def boom():
        raise RuntimeError("secret internals")

    response = client.get("/boom")
    assert response.status_code == 500
    assert "secret internals" not in response.get_data(as_text=True)
    assert "Something went wrong on our side" in response.get_data(as_text=True)


def test_an_oversized_request_is_refused(client):
    response = client.submit("/login", {"email": "a@example.com", "password": "x" * (2 * 1024 * 1024)})
    assert response.status_code == 413


HOSTILE_VALUES = ["' OR 1=1 --", "<script>alert(1)</script>", "\x00", "é" * 300, "9" * 400, "-1", "1e309", "[]"]


@pytest.mark.parametrize("value", HOSTILE_VALUES)
def test_hostile_values_in_every_form_field_never_cause_a_500(client, value):
    admin = make_user("admin")
    client.login(admin.email)
    forms = {
        "/admin/clinics/new": [
            "name",
            "slug",
            "status",
            "address_line1",
            "city",
            "state",
            "zip_code",
            "latitude",
            "longitude",
            "timezone",
            "phone",
            "email",
            "closures",
            "day0-opens",
            "day0-closes",
        ],
        "/admin/users": ["full_name", "email", "role", "clinics", "password"],
    }
    for url, fields in forms.items():
        response = client.submit(url, {name: value for name in fields})
        assert response.status_code == 200, (url, response.status_code)
    client.logout()
    for url, fields in {
        "/register": ["full_name", "email", "password", "confirm"],
        "/reset-password": ["email"],
        "/login": ["email", "password"],
    }.items():
        response = client.submit(url, {name: value for name in fields})
        assert response.status_code in (200, 302), (url, response.status_code)


def test_control_characters_are_removed_before_anything_is_saved(client):
    response = client.submit(
        "/register",
        {
            "full_name": "Nul\x00Name\x07 ",
            "email": "nul@example.com",
            "date_of_birth": "1990-01-01",
            "password": "a quiet river at dawn",
            "confirm": "a quiet river at dawn",
        },
    )
    assert response.status_code == 302
    assert db.session.scalar(select(User.full_name).where(User.email == "nul@example.com")) == "NulName"


def test_a_signed_in_user_gets_the_503_page_when_the_database_goes_away(app, client):
    user = make_user("patient")
    client.login(user.email)
    engine = db.engine
    refuse = _refuse_new_connections(engine)
    event.listen(engine, "do_connect", refuse)
    engine.dispose()  # pooled connections go too: loading the signed-in user itself now fails
    try:
        response = client.get("/my/")
    finally:
        event.remove(engine, "do_connect", refuse)
    assert response.status_code == 503
    assert "briefly unavailable" in response.get_data(as_text=True)


def _refuse_new_connections(engine):
    """The database server stops answering, as in an outage, on SQLite and PostgreSQL alike."""

    def refuse(dialect, conn_rec, cargs, cparams):
        raise dialect.loaded_dbapi.OperationalError("connection refused (simulated outage)")

    return refuse


@pytest.mark.parametrize("url", ["/practice/patients/99999999999999999999",
                                 "/practice/visits/2147483648/note",
                                 "/practice/clinics/{clinic}/visits/99999999999999999999/change"])
def test_an_id_beyond_any_record_is_not_found_rather_than_an_error(client, url):
    clinic = make_clinic()
    client.login(make_user(Role.CLINIC_MANAGER, clinics=[clinic]).email)
    assert client.get(url.format(clinic=clinic.id)).status_code == 404


@pytest.mark.parametrize("raw", ["²", "99999999999999999999", "-1", "1e3"])
def test_a_practitioner_choice_that_is_not_an_id_goes_back_to_choosing(client, raw):
    clinic = make_clinic()
    service = make_service(clinics=[clinic])
    make_practitioner(clinic, services=[service])
    response = client.get(f"/book/time?clinic={clinic.slug}&service={service.slug}&practitioner={raw}")
    assert response.status_code == 302 and "/book/practitioner" in response.headers["Location"]


@pytest.mark.parametrize("accept", ["text/html", "application/json"])
def test_a_change_refused_by_a_constraint_is_a_conflict_not_an_error(app, client, caplog, accept):
    """A double click that inserts the same row twice: the second gets a 409 that says to
    reload, and the log does not quote the database's message (it can hold a patient's details)."""

    @app.get("/test-double-insert")
    def double_insert():
        for _ in range(2):
            db.session.add(Patient(first_name="Sam", last_name="Twice", email="twice@example.com",
                                   date_of_birth=date(1980, 1, 1)))
        db.session.flush()

    response = client.get("/test-double-insert", headers={"Accept": accept})
    assert response.status_code == 409
    assert "reload" in response.get_data(as_text=True)
    assert "twice@example.com" not in caplog.text
