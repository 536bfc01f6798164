"""How a service's refusal reaches a form: every view calls SiteForm.populate_errors, so a rule
the service enforces is shown beside the field it is about, or above the form, never lost."""

import pytest
from wtforms import Form, FormField, HiddenField, StringField, TimeField

from clinic_app.errors import Conflict, ValidationFailed
from clinic_app.form_base import SiteForm


class Period(Form):
    starts = TimeField("Start")
    ends = TimeField("Finish")


class ExampleForm(SiteForm):
    class Meta:
        csrf = False

    email = StringField("E-mail")
    zip_code = StringField("ZIP code")
    start = HiddenField()
    monday = FormField(Period)


@pytest.fixture
def form(app):
    with app.test_request_context():
        yield ExampleForm(formdata=None)


def shown(form: ExampleForm) -> dict:
    found = {name: list(field.errors) for name, field in form._fields.items()
             if name != "monday" and field.errors}
    found.update({f"monday.{name}": list(sub.errors) for name, sub in form.monday.form._fields.items() if sub.errors})
    return found | ({"above the form": form.form_errors} if form.form_errors else {})


@pytest.mark.parametrize(
    ("error", "options", "where"),
    [
        (ValidationFailed("Taken.", "email"), {}, "email"),
        (ValidationFailed("Taken.", "email"), {"default": "zip_code"}, "email"),
        (ValidationFailed("Unknown ZIP.", None), {"default": "zip_code"}, "zip_code"),
        (Conflict("Not on this form.", "clinic_id"), {"default": "zip_code"}, "zip_code"),
        (Conflict("Not on this form.", "clinic_id"), {}, "above the form"),
        (ValidationFailed("Time taken.", "start"), {"only": ("email", "zip_code")}, "above the form"),
        (ValidationFailed("Time taken.", "start"), {"only": ("email",), "default": "zip_code"}, "zip_code"),
        (ValidationFailed("Overlaps.", "monday"), {}, "monday.starts"),
    ],
)
def test_a_refusal_is_shown_beside_its_field_or_else_above_the_form(form, error, options, where):
    form.populate_errors(error, **options)
    assert shown(form) == {where: [error.message]}


def test_a_second_refusal_is_added_to_the_first(form):
    form.populate_errors(ValidationFailed("One.", "email"))
    form.populate_errors(ValidationFailed("Two.", "email"))
    assert shown(form) == {"email": ["One.", "Two."]}
