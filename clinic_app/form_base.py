"""The base of every form: CSRF from Flask-WTF, and text cleaned before any validator sees it."""

from __future__ import annotations

import re

from flask_wtf import FlaskForm
from wtforms import PasswordField, SelectMultipleField, StringField
from wtforms.widgets import CheckboxInput, ListWidget

# NUL and other control characters have no place in a form and PostgreSQL refuses NUL outright;
# tabs and line breaks stay for text areas.
CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


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


class CheckboxListField(SelectMultipleField):
    """A multiple choice shown as a list of checkboxes in a fieldset: easier by keyboard and
    screen reader than a multi-select box."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()
