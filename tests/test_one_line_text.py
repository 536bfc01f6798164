"""One-line text stays on one line: a clinic's name, a patient's name or any other one-line field
can reach an e-mail header (the Subject of every booking confirmation names the clinic), where a
line break of any kind (CR, LF, VT, FF, NEL, U+2028, U+2029...) stops the message being built.
Forms turn each run of them into one space; the JSON API refuses them, naming the field."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from werkzeug.datastructures import MultiDict
from wtforms import PasswordField, TextAreaField

from clinic_app.api.schemas import CleanString
from clinic_app.clinics.models import Clinic
from clinic_app.extensions import db
from clinic_app.patients.models import Patient
from tests.factories import make_bookable_clinic, make_user
from tests.test_admin_clinics import NEW_CLINIC
from tests.test_faults import booking_request, rows_written
from tests.test_input_limits import all_forms, build, text_fields

# Every character str.splitlines() breaks a line at, as Python's e-mail package checks a header.
LINE_SEPARATORS = ["\n", "\r", "\r\n", "\x0b", "\x0c", "\x1c", "\x1d", "\x1e", "\x85", "\u2028", "\u2029"]


def one_line_fields(form_class) -> list[str]:
    return [name for name in text_fields(form_class)
            if not issubclass(vars(form_class)[name].field_class, (TextAreaField, PasswordField))]


@pytest.mark.parametrize("separator", LINE_SEPARATORS)
def test_every_one_line_field_of_every_form_turns_a_line_break_into_a_space(app, separator):
    forms = all_forms()
    kept = []
    with app.test_request_context(method="POST"):
        for form_class in forms:
            for name in one_line_fields(form_class):
                form = build(form_class, MultiDict({name: f"Back{separator}{separator}Bay\t"}))
                # "Back Bay"; a field whose own filter drops spaces (a 2FA code) keeps "BackBay"
                if form[name].data not in ("Back Bay", "BackBay"):
                    kept.append(f"{form_class.__module__}.{form_class.__name__}.{name}: {form[name].data!r}")
    assert sum(len(one_line_fields(form_class)) for form_class in forms) > 40  # the walk found them
    assert kept == []


def test_control_characters_go_from_one_line_fields_and_text_areas(app):
    """NUL, DEL and the C1 controls (U+0080-U+009F) have no place in any text."""
    with app.test_request_context(method="POST"):
        for form_class in all_forms():
            for name in text_fields(form_class):
                form = build(form_class, MultiDict({name: "A\x00\x7f\x80\x9bB"}))
                assert form[name].data == "AB", f"{form_class.__name__}.{name}"


def test_text_areas_keep_their_line_breaks(client):
    client.login(make_user("head_office").email)
    client.submit("/admin/clinics/new", {**NEW_CLINIC, "description": "First line.\nSecond line."})
    clinic = db.session.scalar(select(Clinic))
    assert clinic.description == "First line.\nSecond line."
    assert len(clinic.closures) == 2  # one per line


@pytest.mark.parametrize("separator", ["\u2028", "\u2029", "\x85", "\r\n"])
def test_a_clinic_named_with_a_line_separator_is_saved_on_one_line(client, separator):
    client.login(make_user("head_office").email)
    response = client.submit("/admin/clinics/new", {**NEW_CLINIC, "name": f"Back Solution{separator}Tempe"})
    assert response.status_code == 302
    assert db.session.scalar(select(Clinic.name)) == "Back Solution Tempe"


@pytest.mark.parametrize("separator", LINE_SEPARATORS)
@pytest.mark.parametrize("field", ["first_name", "last_name", "email", "phone"])
def test_a_line_break_in_a_one_line_field_of_the_booking_api_is_refused_naming_it(client, field, separator):
    clinic_id, start = make_bookable_clinic()
    body = booking_request(clinic_id, start)
    value = body["patient"][field]
    body["patient"][field] = value[:3] + separator + value[3:]
    response = client.post("/api/v1/bookings", json=body)
    assert response.status_code == 422
    error = response.get_json()["error"]
    assert error["code"] == "validation_failed"
    assert error["fields"] == {f"patient.{field}": ["Use one line: line breaks are not allowed here."]}
    assert rows_written() == (0, 0, 0)


def test_a_booking_api_name_with_a_tab_is_kept_on_one_line(client):
    clinic_id, start = make_bookable_clinic()
    body = booking_request(clinic_id, start)
    body["patient"]["first_name"] = "Out\tage\x00"
    assert client.post("/api/v1/bookings", json=body).status_code == 201
    assert rows_written() == (1, 1, 1)
    assert db.session.scalar(select(Patient.first_name)) == "Out age"


def test_a_line_break_in_the_nearest_clinic_search_is_refused_naming_it(client):
    response = client.get("/api/v1/clinics/nearest", query_string={"q": "Phoenix,\u2028AZ"})
    assert response.status_code == 422
    assert list(response.get_json()["error"]["fields"]) == ["q"]


def test_every_text_field_the_api_reads_is_cleaned_and_one_line_unless_marked(app):
    """A string field added to a request schema without the cleaning would take line breaks
    (and NUL) again: every one must be a CleanString; a multi-line one says so."""
    seen, plain = [], []
    for view in app.view_functions.values():
        for argument in getattr(view, "_apidoc", {}).get("arguments", {}).get("parameters", []):
            schema = argument["schema"]
            _walk_text_fields(schema() if isinstance(schema, type) else schema, view.__name__, seen, plain)
    assert len(seen) >= 9  # the walk found them: the booking's patient, service, search...
    assert plain == []
    multiline = sorted(where for where, field in seen if field.multiline)
    assert multiline == ["cancel.reason"]


def _walk_text_fields(schema, where: str, seen: list, plain: list) -> None:
    from marshmallow import fields

    for name, field in schema.fields.items():
        if isinstance(field, fields.Nested):
            _walk_text_fields(field.schema, f"{where}.{name}", seen, plain)
        elif isinstance(field, CleanString):
            seen.append((f"{where}.{name}", field))
        elif isinstance(field, fields.String):
            plain.append(f"{where}.{name}")
