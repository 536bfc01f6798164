"""The base of every form: CSRF from Flask-WTF, text cleaned before any validator sees it, and
the one way a service's refusal is shown on a form (``SiteForm.populate_errors``)."""

from __future__ import annotations

from collections.abc import Collection
from datetime import date

from flask_wtf import FlaskForm
from wtforms import DateField, Form, FormField, PasswordField, SelectMultipleField, StringField, TextAreaField
from wtforms.validators import InputRequired, Optional, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from clinic_app.errors import DomainError
from clinic_app.text import clean_text, one_line

OLDEST_AGE_YEARS = 120


def _strip(value):
    return value.strip() if isinstance(value, str) else value


class CleanTextMeta:
    """Every text field is cleaned before any validator sees it: control characters go and
    surrounding spaces are stripped; a one-line field (any text field but a text area) is also
    made one line. A password is only cleaned of control characters: nothing else of it changes."""

    def bind_field(self, form, unbound_field, options):
        field_class = unbound_field.field_class
        if issubclass(field_class, StringField):
            if issubclass(field_class, PasswordField):
                filters = [clean_text]
            elif issubclass(field_class, TextAreaField):
                filters = [clean_text, _strip]
            else:
                filters = [one_line, _strip]
            options["filters"] = [*filters, *unbound_field.kwargs.get("filters", ())]
        return unbound_field.bind(form=form, **options)


class SiteForm(FlaskForm):
    """The base of every form a page posts (with its CSRF token)."""

    class Meta(CleanTextMeta):
        pass

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


class SubForm(Form):
    """The base of a form repeated inside another (FormField, FieldList): its text is cleaned
    as SiteForm's is, and the form around it carries the CSRF token."""

    class Meta(CleanTextMeta):
        pass


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
