"""Too much input is refused politely: a request over MAX_CONTENT_LENGTH gets a plain 413 (a page
or a JSON error, never a 500), and a 20,000-character value in any text field gets a message
next to that field and saves nothing, in the forms and in the JSON API alike."""

from __future__ import annotations

import inspect
import pkgutil
from datetime import date, timedelta
from importlib import import_module
from urllib.parse import quote

import pytest
from sqlalchemy import func, select
from werkzeug.datastructures import MultiDict
from wtforms import Form, HiddenField, StringField
from wtforms.validators import EqualTo, Length

import clinic_app
from clinic_app.accounts.forms import RegistrationForm
from clinic_app.accounts.models import User
from clinic_app.booking.forms import BookingDetailsForm
from clinic_app.clock import utcnow
from clinic_app.demand.forms import OpeningAlertForm
from clinic_app.demand.models import OpeningAlertSignup
from clinic_app.extensions import db
from clinic_app.patients.models import Patient
from clinic_app.scheduling.availability import free_slots
from clinic_app.scheduling.models import Booking
from clinic_app.waitlist.forms import WaitlistForm
from clinic_app.waitlist.models import WaitlistEntry
from tests.factories import make_clinic, make_practitioner, make_service

LONG = "9" * 20_000  # longer than any field allows; digits pass the phone and ZIP character classes
TOO_BIG = 2 * 1024 * 1024  # MAX_CONTENT_LENGTH is 1 MiB
WAITLIST = "/book/waitlist?clinic=chelsea&service=follow-up"


def test_a_form_post_over_the_size_limit_gets_the_plain_413_page(client):
    response = client.submit("/register", {"full_name": "x" * TOO_BIG})
    assert response.status_code == 413 and response.mimetype == "text/html"
    assert "That request is too large." in response.get_data(as_text=True)


def test_an_api_post_over_the_size_limit_gets_a_json_413(client):
    response = client.post("/api/v1/bookings", data=b'{"padding": "' + b"x" * TOO_BIG + b'"}',
                           content_type="application/json")
    assert response.status_code == 413
    assert response.get_json() == {"error": {"code": "request_entity_too_large",
                                             "message": "That request is too large."}}


def all_forms() -> list[type[Form]]:
    """Every form class defined in a ``*forms`` module of the app."""
    forms = []
    for module_info in pkgutil.walk_packages(clinic_app.__path__, "clinic_app."):
        if module_info.name.rsplit(".", 1)[-1].endswith("forms"):
            module = import_module(module_info.name)
            forms += [cls for cls in vars(module).values()
                      if inspect.isclass(cls) and issubclass(cls, Form) and cls.__module__ == module.__name__]
    return forms


def text_fields(form_class: type[Form]) -> list[str]:
    """Fields a person types text into. Hidden fields carry choices the view parses (ids,
    times, slugs) and a repeat field (EqualTo) is bounded by the one it repeats."""
    names = []
    for name, unbound in vars(form_class).items():
        if getattr(unbound, "field_class", None) is None or not issubclass(unbound.field_class, StringField):
            continue
        validators = unbound.kwargs.get("validators") or ()
        if issubclass(unbound.field_class, HiddenField) or any(isinstance(v, EqualTo) for v in validators):
            continue
        names.append(name)
    return names


def build(form_class: type[Form], formdata: MultiDict) -> Form:
    wants_today = any("today" in inspect.signature(cls.__init__).parameters for cls in form_class.__mro__
                      if "__init__" in vars(cls))
    extra = {"today": date(2026, 11, 27)} if wants_today else {}
    return form_class(formdata=formdata, meta={"csrf": False}, **extra)


def test_every_text_field_of_every_form_refuses_20000_characters(app):
    forms = all_forms()
    assert len(forms) > 20  # the walk found the app's forms
    unbounded = []
    with app.test_request_context(method="POST"):
        for form_class in forms:
            for name in text_fields(form_class):
                value = LONG + "@example.com" if "email" in name else LONG
                form = build(form_class, MultiDict({name: value}))
                form[name].validate(form)
                if not form[name].errors:
                    unbounded.append(f"{form_class.__module__}.{form_class.__name__}.{name}")
    assert unbounded == []


@pytest.mark.parametrize(("form_class", "field", "column"), [
    (BookingDetailsForm, "first_name", Patient.first_name),
    (BookingDetailsForm, "last_name", Patient.last_name),
    (BookingDetailsForm, "email", Patient.email),
    (RegistrationForm, "full_name", User.full_name),
    (RegistrationForm, "email", User.email),
    (OpeningAlertForm, "email", OpeningAlertSignup.email),
    (WaitlistForm, "name", WaitlistEntry.name),
    (WaitlistForm, "email", WaitlistEntry.email),
])
def test_a_public_forms_length_limit_fits_its_column(form_class, field, column):
    limits = [v.max for v in vars(form_class)[field].kwargs["validators"] if isinstance(v, Length)]
    assert limits == [column.type.length]


@pytest.fixture
def bookable(app):
    """A clinic offering follow-ups, and a free time in three days: (clinic, that time)."""
    clinic = make_clinic(slug="chelsea")
    service = make_service(clinics=[clinic], slug="follow-up", duration_minutes=30)
    make_practitioner(clinic, services=[service])
    now = utcnow()
    slot = free_slots(clinic, service, (now + timedelta(days=3)).date(), 7, now)[0]
    db.session.commit()
    return clinic, slot.start.isoformat()


def public_forms(start: str) -> dict[str, tuple[str, str, dict]]:
    """{name: (form URL, page with the form, a valid submission)}."""
    choices = {"clinic": "chelsea", "service": "follow-up", "practitioner": "any", "start": start}
    details_page = "/book/details?" + "&".join(f"{k}={quote(v)}" for k, v in choices.items())
    return {
        "booking details": ("/book/details", details_page, {
            **choices, "first_name": "Pat", "last_name": "Lee", "email": "pat@example.com",
            "phone": "(555) 010-0199", "date_of_birth": "1980-01-02", "new_patient": "new",
            "pain_area": "Lower back", "consent": "y"}),
        "register": ("/register", "/register", {
            "full_name": "Pat Lee", "email": "pat@example.com", "date_of_birth": "1980-01-02",
            "password": "a quiet river at dawn", "confirm": "a quiet river at dawn"}),
        "opening alert": ("/clinics/opening-alerts", "/clinics/opening-alerts", {
            "email": "pat@example.com", "zip_code": "59001", "consent": "y"}),
        "waitlist": (WAITLIST, WAITLIST, {"email": "pat@example.com", "name": "Pat Lee", "consent": "y"}),
    }


LONG_VALUES = [("booking details", "first_name"), ("booking details", "last_name"), ("booking details", "email"),
               ("booking details", "phone"), ("register", "full_name"), ("register", "email"),
               ("opening alert", "email"), ("opening alert", "zip_code"), ("waitlist", "name"), ("waitlist", "email")]


def saved_rows() -> int:
    db.session.commit()
    models = (Booking, Patient, User, OpeningAlertSignup, WaitlistEntry)
    return sum(db.session.scalar(select(func.count()).select_from(model)) for model in models)


@pytest.mark.parametrize(("form", "field"), LONG_VALUES)
def test_20000_characters_in_a_public_form_field_are_refused_next_to_it_and_nothing_is_saved(
        client, bookable, form, field):
    url, page, valid = public_forms(bookable[1])[form]
    long_value = "x" * 19_990 + "@example.com" if field == "email" else LONG
    before = saved_rows()
    response = client.submit(url, {**valid, field: long_value}, page=page)
    assert response.status_code in (200, 422)
    text = response.get_data(as_text=True)
    assert f'id="{field}-error"' in text
    assert saved_rows() == before


def test_a_valid_submission_of_each_public_form_is_saved(client, bookable):
    """The check above would pass vacuously if the valid submissions were refused too."""
    for name, (url, page, valid) in public_forms(bookable[1]).items():
        response = client.submit(url, valid if name != "register" else {**valid, "email": "new@example.com"}, page=page)
        assert response.status_code == 302, (name, response.status_code)


def test_every_string_the_api_accepts_has_a_maximum_length(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    schemas = spec["components"]["schemas"]
    unbounded = []
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            if method == "parameters":  # path parameters: the server's URL length limit bounds them
                continue
            for parameter in operation.get("parameters", []):
                unbounded += _unbounded_strings(parameter.get("schema", {}), f"{method} {path} {parameter['name']}",
                                                schemas)
            body = operation.get("requestBody", {}).get("content", {}).get("application/json", {})
            unbounded += _unbounded_strings(body.get("schema", {}), f"{method} {path} body", schemas)
    assert unbounded == []


def _unbounded_strings(schema: dict, where: str, schemas: dict) -> list[str]:
    """Strings without maxLength; an enum, a date or a date-time is bounded by its own shape."""
    if "$ref" in schema:
        return _unbounded_strings(schemas[schema["$ref"].rsplit("/", 1)[-1]], where, schemas)
    if schema.get("type") == "object" or "properties" in schema:
        return [problem for name, prop in schema.get("properties", {}).items()
                for problem in _unbounded_strings(prop, f"{where}.{name}", schemas)]
    if schema.get("type") == "array":
        return _unbounded_strings(schema.get("items", {}), f"{where}[]", schemas)
    bounded = "maxLength" in schema or "enum" in schema or schema.get("format") in ("date", "date-time")
    return [] if schema.get("type") != "string" or bounded else [where]


def test_20000_characters_in_the_booking_api_are_refused_per_field_and_nothing_is_saved(client, bookable):
    clinic, start = bookable
    before = saved_rows()
    patient = {"first_name": LONG, "last_name": "Lee", "email": "pat@example.com", "phone": LONG,
               "date_of_birth": "1980-01-02"}
    response = client.post("/api/v1/bookings", json={
        "clinic_id": clinic.id, "service": "x" * 20_000, "start": start, "patient": patient,
        "new_patient": True, "consent": True})
    assert response.status_code == 422
    fields = response.get_json()["error"]["fields"]
    assert set(fields) == {"service", "patient.first_name", "patient.phone"}
    assert saved_rows() == before
