"""Forms of the team pages: shape and format only. Overlaps with other clinics, and anything
else that needs the database, are the service's to refuse (clinic_app/scheduling/team.py)."""

from __future__ import annotations

from datetime import date

from wtforms import DateField, FormField, StringField, SubmitField, TextAreaField, TimeField
from wtforms.validators import DataRequired, Length, Optional, Regexp, ValidationError

from clinic_app.clinics.rules import WEEKDAY_NAMES
from clinic_app.form_base import SiteForm, SubForm
from clinic_app.scheduling.service import PractitionerProfile, WeeklyInterval
from clinic_app.scheduling.team import DatedPeriod, TimeAway


def within_calendar(form, field) -> None:
    """Dates between 2000 and 2100: anything else is a typing slip (and would overflow)."""
    if field.data is not None and not date(2000, 1, 1) <= field.data <= date(2100, 12, 31):
        raise ValidationError("Enter a date between the years 2000 and 2100.")


class ProfileForm(SiteForm):
    display_name = StringField("Name as patients see it", validators=[DataRequired("Enter a name."), Length(max=120)])
    credentials = StringField("Credentials", validators=[Optional(), Length(max=60)],
                              description="For example DPT or DC.")
    specialities = StringField("Special interests", validators=[Optional(), Length(max=300)],
                               description="Separated by commas, for example: sciatica, running injuries.")
    bio = TextAreaField("Short biography", validators=[Optional(), Length(max=2000)],
                        description="Shown on the clinic page and when booking; about 240 characters show.")
    photo_url = StringField(
        "Photo web address", validators=[Optional(), Length(max=300),
                                         Regexp(r"^https://\S+$", message="Give a web address starting with https://.")],
        description="Optional. A square photo works best.",
    )
    submit = SubmitField("Save profile")

    def to_profile(self) -> PractitionerProfile:
        return PractitionerProfile(self.display_name.data, self.credentials.data or "", self.bio.data or "",
                                   self.photo_url.data or "", self.specialities.data or "")


class PeriodForm(SubForm):
    """One period on a weekday; both times blank means none that day."""

    starts = TimeField("Start", validators=[Optional()])
    ends = TimeField("Finish", validators=[Optional()])

    def validate(self, extra_validators=None) -> bool:
        if not super().validate(extra_validators):
            return False
        if (self.starts.data is None) != (self.ends.data is None):
            self.ends.errors.append("Give both times, or leave both blank.")
        elif self.ends.data is not None and self.ends.data <= self.starts.data:
            self.ends.errors.append("The finish time must be after the start time.")
        return not self.ends.errors

    def interval(self, weekday: int) -> WeeklyInterval | None:
        if self.starts.data is None:
            return None
        return WeeklyInterval(weekday, self.starts.data, self.ends.data)


class WeekForm(SiteForm):
    """Weekly hours at this clinic (day0..day6, 0 = Monday) and weekly breaks (break0..break6)."""

    day0, day1, day2, day3, day4, day5, day6 = (FormField(PeriodForm, name) for name in WEEKDAY_NAMES)
    break0, break1, break2, break3, break4, break5, break6 = (
        FormField(PeriodForm, f"{name} break") for name in WEEKDAY_NAMES
    )
    submit = SubmitField("Save weekly hours")
    split_days: list[str] = []

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name, day, pause in zip(WEEKDAY_NAMES, self.days, self.breaks, strict=True):
            day.starts.label.text, day.ends.label.text = f"{name} start", f"{name} finish"
            pause.starts.label.text, pause.ends.label.text = f"{name} break start", f"{name} break finish"

    @property
    def days(self) -> list[FormField]:
        return [getattr(self, f"day{n}") for n in range(7)]

    @property
    def breaks(self) -> list[FormField]:
        return [getattr(self, f"break{n}") for n in range(7)]

    def fill(self, hours: list, breaks: list) -> None:
        """Show the saved rows: the first period of each weekday. Weekdays with more than one
        (set up before these pages) are named in ``split_days``: saving keeps the one shown."""
        split = {row.weekday for rows in (hours, breaks) for row in rows
                 if sum(other.weekday == row.weekday for other in rows) > 1}
        self.split_days = [WEEKDAY_NAMES[n] for n in sorted(split)]
        for rows, forms in ((hours, self.days), (breaks, self.breaks)):
            for row in sorted(rows, key=lambda r: r.starts, reverse=True):
                forms[row.weekday].starts.data, forms[row.weekday].ends.data = row.starts, row.ends

    def hours(self) -> list[WeeklyInterval]:
        return [i for n, day in enumerate(self.days) if (i := day.form.interval(n))]

    def break_intervals(self) -> list[WeeklyInterval]:
        return [i for n, pause in enumerate(self.breaks) if (i := pause.form.interval(n))]


class DatedHoursForm(SiteForm):
    on_date = DateField("Date", validators=[DataRequired("Enter the date."), within_calendar])
    starts = TimeField("Start", validators=[DataRequired("Enter the start time.")])
    ends = TimeField("Finish", validators=[DataRequired("Enter the finish time.")])
    submit = SubmitField("Add hours for this date")

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        if valid and self.ends.data <= self.starts.data:
            self.ends.errors.append("The finish time must be after the start time.")
            return False
        return valid

    def to_period(self) -> DatedPeriod:
        return DatedPeriod(self.on_date.data, self.starts.data, self.ends.data)


class TimeOffForm(SiteForm):
    first_day = DateField("First day away", validators=[DataRequired("Enter the first day."), within_calendar])
    last_day = DateField("Last day away", validators=[DataRequired("Enter the last day."), within_calendar])
    reason = StringField("Reason", validators=[Optional(), Length(max=120)],
                         description="Optional, for the team: leave, training.")
    submit = SubmitField("Add time off")

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        if valid and self.last_day.data < self.first_day.data:
            self.last_day.errors.append("The last day must be on or after the first day.")
            return False
        return valid

    def to_time_away(self) -> TimeAway:
        return TimeAway(self.first_day.data, self.last_day.data, self.reason.data or "")


class ClosureForm(SiteForm):
    closed_on = DateField("Date closed", validators=[DataRequired("Enter the date."), within_calendar])
    reason = StringField("Reason", validators=[Optional(), Length(max=120)], description="For example: Thanksgiving.")
    submit = SubmitField("Add closure")


class RemoveForm(SiteForm):
    """A remove button: the CSRF token and nothing else."""
