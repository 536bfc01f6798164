"""The report's range and clinic, read from the query string: shape and format only."""

from __future__ import annotations

from wtforms import DateField, SelectChoice, SelectField
from wtforms.validators import InputRequired, Optional, ValidationError

from clinic_app.form_base import SiteForm
from clinic_app.reporting.queries.scope import MAX_RANGE_DAYS


def _within_years(form, field):
    if field.data and not 2000 <= field.data.year <= 2100:
        raise ValidationError("Enter a date between 2000 and 2100.")


class ReportForm(SiteForm):
    """A report changes nothing, so it needs no CSRF token."""

    class Meta:
        csrf = False

    since = DateField("From", validators=[InputRequired("Enter the first day."), _within_years],
                      description="The first day, on each clinic's own calendar.")
    until = DateField("To (inclusive)", validators=[InputRequired("Enter the last day."), _within_years])
    clinic = SelectField("Clinic", validators=[Optional()], choices=[SelectChoice("", "All clinics")])

    def validate_until(self, field):
        if not (field.data and self.since.data):
            return
        if field.data < self.since.data:
            raise ValidationError("The last day must be on or after the first day.")
        if (field.data - self.since.data).days + 1 > MAX_RANGE_DAYS:
            raise ValidationError("Choose a range of two years or less.")
