"""The base of every form: CSRF from Flask-WTF, text cleaned before any validator sees it, and
the one way a service's refusal is shown on a form (``SiteForm.populate_errors``)."""

from __future__ import annotations

import re
from collections.abc import Collection
from datetime import date

from flask_wtf import FlaskForm
from wtforms import DateField, FormField, PasswordField, SelectMultipleField, StringField
from wtforms.validators import InputRequired, Optional, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from clinic_app.errors import DomainError

# NUL and other control characters have no place in a form and PostgreSQL refuses NUL outright;
# tabs and line breaks stay for text areas.
CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
OLDEST_AGE_YEARS = 120


def clean_text(value):
    """Text without control characters (tabs and line breaks kept)."""
    return CONTROL_CHARACTERS.sub("", value) if isinstance(value, str) else value


def _strip(value):
    return value.strip() if isinstance(value, str) else value


class SiteForm(FlaskForm):
    class Meta:
        def bind_field(self, form, unbound_field, options):
            if issubclass(unbound_field.field_class, StringField):
                filters = [clean_text]
                if not issubclass(unbound_field.field_class, PasswordField):
                    filters.append(_strip)
                options["filters"] = [*filters, *unbound_field.kwargs.get("filters", ())]
            return unbound_field.bind(form=form, **options)

    def populate_errors(self, error: DomainError, default: str | None = None,
                        only: Collection[str] | None = None) -> None:
        """Show a domain error (a service's refusal, after the form itself validated) on this
        form: beside the field it names; when it names none of this form's fields, or one not in
        ``only`` (the fields the page shows for such errors), beside ``default``; else above the
        form. A group of fields (FormField) shows it on its first field. The view has already
        rolled back the request's work."""
        named = error.field if error.field in self._fields and (only is None or error.field in only) else None
        field = self._fields.get(named or default or "")
        if isinstance(field, FormField):
            field = next(iter(field.form))
        if field is None:
            self.form_errors.append(error.message)
        else:
            field.errors = [*field.errors, error.message]


class CheckboxListField(SelectMultipleField):
    """A multiple choice shown as a list of checkboxes in a fieldset: easier by keyboard and
    screen reader than a multi-select box."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class BirthDateField(DateField):
    """A date of birth; text that is not a date gets an example of the format."""

    def process_formdata(self, valuelist):
        try:
            super().process_formdata(valuelist)
        except ValueError:
            raise ValueError("Enter your date of birth as a date, like 1980-04-25.") from None


def date_of_birth_field(description: str = "", required: bool = True) -> BirthDateField:
    """The "Date of birth" field, as every form that asks for one shows it; required unless a
    form lets it be left blank."""
    presence = InputRequired("Enter your date of birth.") if required else Optional()
    return BirthDateField("Date of birth", validators=[presence], render_kw={"autocomplete": "bday"},
                          description=description)


class DateOfBirthForm(SiteForm):
    """A form with a ``date_of_birth``: it is not after ``today`` (the patient's, passed in)
    and not more than OLDEST_AGE_YEARS years before it."""

    def __init__(self, *args, today: date, **kwargs):
        super().__init__(*args, **kwargs)
        self.today = today

    def validate_date_of_birth(self, field):
        if field.data is None:
            return
        if field.data > self.today:
            raise ValidationError("Your date of birth can't be in the future.")
        if self.today.year - field.data.year > OLDEST_AGE_YEARS:
            raise ValidationError("Check the year of your date of birth.")
