"""The clinic editor's form: shape and format. ZIP, state and zone checks live in the service."""

from __future__ import annotations

from datetime import date

from wtforms import (
    BooleanField,
    EmailField,
    FloatField,
    FormField,
    SearchField,
    SelectChoice,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
    TimeField,
)
from wtforms.validators import DataRequired, Email, Length, NumberRange, Optional, Regexp, ValidationError

from clinic_app.clinics.models import ClinicStatus
from clinic_app.clinics.rules import WEEKDAY_NAMES, Interval
from clinic_app.clinics.service import ClinicDetails
from clinic_app.form_base import SiteForm, SubForm
from clinic_app.geo.states import US_STATES


class DayHoursForm(SubForm):
    """One weekday's opening interval; both times blank means closed that day."""

    opens = TimeField("Opens", validators=[Optional()])
    closes = TimeField("Closes", validators=[Optional()])

    def validate(self, extra_validators=None) -> bool:
        if not super().validate(extra_validators):
            return False
        opens, closes = self.opens.data, self.closes.data
        if (opens is None) != (closes is None):
            self.closes.errors.append("Give both times, or leave both blank for closed.")
        elif closes is not None and closes <= opens:
            self.closes.errors.append("Closing time must be after opening time.")
        return not self.closes.errors


class ClinicForm(SiteForm):
    name = StringField("Clinic name", validators=[DataRequired("Enter a name."), Length(max=120)])
    slug = StringField(
        "Web address",
        validators=[
            Optional(),
            Length(max=80),
            Regexp(r"^[a-z0-9-]+$", message="Use lowercase letters, digits and hyphens."),
        ],
        description="Left blank, it is made from the name and city.",
    )
    status = SelectField("Status", choices=[SelectChoice(s.value, s.label) for s in ClinicStatus])
    address_line1 = StringField(
        "Address line 1", validators=[DataRequired("Enter the street address."), Length(max=120)]
    )
    address_line2 = StringField("Address line 2", validators=[Optional(), Length(max=120)])
    city = StringField("City", validators=[DataRequired("Enter the city."), Length(max=80)])
    state = SelectField(
        "State",
        choices=[SelectChoice("", "Choose a state")]
        + [SelectChoice(code, name) for code, name in sorted(US_STATES.items(), key=lambda kv: kv[1])],
        validators=[DataRequired("Choose a US state.")],
        validate_choice=False,  # the service names an unknown state beside the field
    )
    zip_code = StringField(
        "ZIP code",
        validators=[DataRequired("Enter the ZIP code."), Length(max=10)],
        render_kw={"inputmode": "numeric", "autocomplete": "postal-code"},
    )
    latitude = FloatField(
        "Latitude",
        validators=[Optional(), NumberRange(-90, 90, "Latitude is between -90 and 90.")],
        description="Leave blank to use the ZIP code's centre.",
    )
    longitude = FloatField(
        "Longitude", validators=[Optional(), NumberRange(-180, 180, "Longitude is between -180 and 180.")]
    )
    timezone = StringField(
        "Time zone",
        validators=[Optional(), Length(max=64)],
        description="An IANA name such as America/Phoenix. Leave blank to use the ZIP code's zone.",
    )
    phone = StringField(
        "Phone",
        validators=[
            Optional(),
            Length(max=20),
            Regexp(r"^[0-9 ()+.-]+$", message="Use digits, spaces and ( ) - + only."),
        ],
        render_kw={"autocomplete": "tel", "inputmode": "tel"},
    )
    email = EmailField("E-mail", validators=[Optional(), Email("Enter a valid e-mail address."), Length(max=254)])
    accepting_new_patients = BooleanField("Accepting new patients", default=True)
    description = TextAreaField("Short description", validators=[Optional(), Length(max=2000)])
    # One sub-form per weekday (0 = Monday), posted as day0-opens, day0-closes, ...
    day0 = FormField(DayHoursForm, "Monday")
    day1 = FormField(DayHoursForm, "Tuesday")
    day2 = FormField(DayHoursForm, "Wednesday")
    day3 = FormField(DayHoursForm, "Thursday")
    day4 = FormField(DayHoursForm, "Friday")
    day5 = FormField(DayHoursForm, "Saturday")
    day6 = FormField(DayHoursForm, "Sunday")
    closures = TextAreaField(
        "Holiday closures",
        validators=[Optional(), Length(max=4000)],
        description="One per line: a date as YYYY-MM-DD, then optionally a reason.",
    )
    submit = SubmitField("Save clinic")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name, day in zip(WEEKDAY_NAMES, self.days, strict=True):
            day.opens.label.text = f"{name} opens"
            day.closes.label.text = f"{name} closes"

    @property
    def days(self) -> list[FormField]:
        return [self[f"day{weekday}"] for weekday in range(7)]

    def validate_closures(self, field):
        self.parsed_closures = parse_closures(field.data or "")

    def to_details(self) -> ClinicDetails:
        return ClinicDetails(
            name=self.name.data,
            slug=self.slug.data or "",
            status=self.status.data,
            address_line1=self.address_line1.data,
            address_line2=self.address_line2.data or "",
            city=self.city.data,
            state=(self.state.data or "").upper(),
            zip_code=(self.zip_code.data or "").strip(),
            latitude=self.latitude.data,
            longitude=self.longitude.data,
            timezone=self.timezone.data or "",
            phone=self.phone.data or "",
            email=self.email.data or "",
            accepting_new_patients=self.accepting_new_patients.data,
            description=self.description.data or "",
            hours=tuple(
                Interval(weekday, day.opens.data, day.closes.data)
                for weekday, day in enumerate(self.days)
                if day.opens.data is not None
            ),
            closures=getattr(self, "parsed_closures", ()),
        )

    def fill_from(self, clinic) -> None:
        """Put a clinic's hours and closures into the form for editing."""
        for hours in clinic.opening_hours:
            day = self.days[hours.weekday]
            day.opens.data, day.closes.data = hours.opens, hours.closes
        self.closures.data = "\n".join(f"{c.closed_on.isoformat()} {c.reason}".strip() for c in clinic.closures)


def parse_closures(text: str) -> tuple[tuple[date, str], ...]:
    """Lines of "YYYY-MM-DD reason"; raises ValidationError naming the first bad line."""
    closures: dict[date, str] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        day_text, _, reason = line.strip().partition(" ")
        try:
            day = date.fromisoformat(day_text)
        except ValueError:
            raise ValidationError(f"Line {number}: {day_text!r} is not a date like 2026-12-25.") from None
        closures[day] = reason.strip()[:120]
    return tuple(sorted(closures.items()))


RADIUS_CHOICES = [SelectChoice("", "Any distance")] + [
    SelectChoice(str(miles), f"Within {miles} miles") for miles in (10, 25, 50, 100, 250)
]


class NearestSearchForm(SiteForm):
    """The clinic search: a ZIP code or city typed in, or the browser's location."""

    class Meta(SiteForm.Meta):
        csrf = False  # a GET search changes nothing a forged request could abuse

    q = SearchField(
        "ZIP code or city",
        # No Optional(): it would skip validate_q, which decides whether q may be empty.
        validators=[Length(max=200, message="That is too long for a ZIP code or city.")],
        description="For example 85004, Austin, or Phoenix, AZ.",
        render_kw={"autocomplete": "postal-code", "enterkeyhint": "search", "data-place-suggestions": ""},
    )
    lat = FloatField("Latitude", validators=[Optional(), NumberRange(-90, 90, "Latitude is between -90 and 90.")])
    lng = FloatField("Longitude", validators=[Optional(), NumberRange(-180, 180, "Longitude is between -180 and 180.")])
    radius_miles = SelectField("Distance", choices=RADIUS_CHOICES, default="")
    submit = SubmitField("Find clinics")

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        # The coordinates come from the browser, not from a visible field: show their
        # problems beside the search box.
        for hidden in (self.lat, self.lng):
            self.q.errors.extend(error for error in hidden.errors if error not in self.q.errors)
        if valid and (self.lat.data is None) != (self.lng.data is None):
            self.q.errors.append("A location needs both latitude and longitude.")
            return False
        return valid

    def validate_q(self, field):
        has_point = any(value.strip() for value in (self.lat.raw_data or []) + (self.lng.raw_data or []))
        if field.data and has_point:
            raise ValidationError("Search by ZIP code or city, or by your location, not both.")
        if not field.data and not has_point:
            raise ValidationError("Enter a ZIP code or a city, such as 85004 or Phoenix, AZ.")

    @property
    def radius(self) -> float | None:
        return float(self.radius_miles.data) if self.radius_miles.data else None
