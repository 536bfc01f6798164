"""Forms of the practice schedule: shape and format only. Whether a time is free or a status
change possible is for the booking engine and mark_visit to say."""

from __future__ import annotations

from wtforms import (
    DateField,
    EmailField,
    HiddenField,
    RadioField,
    SelectChoice,
    SelectField,
    StringField,
    SubmitField,
    TelField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Email, InputRequired, Length, Optional, Regexp, ValidationError

from clinic_app.booking.forms import PAIN_AREAS
from clinic_app.form_base import SiteForm
from clinic_app.scheduling.models import BookingStatus

WALK_IN = "walk_in"
STATUS_ACTIONS = {
    BookingStatus.ARRIVED: "Check in",
    BookingStatus.COMPLETED: "Seen",
    BookingStatus.NO_SHOW: "No-show",
    BookingStatus.BOOKED: "Undo",
}
# Shown in place of a missing detail of a new patient.
NEW_PATIENT_REQUIRED = {
    "first_name": "Enter the patient's first name.",
    "last_name": "Enter the patient's last name.",
    "email": "Enter the patient's e-mail address: the confirmation goes there.",
    "phone": "Enter a phone number the clinic can reach the patient on.",
    "date_of_birth": "Enter the patient's date of birth.",
}


class VisitStatusForm(SiteForm):
    status = SelectField(choices=[SelectChoice(str(s), label) for s, label in STATUS_ACTIONS.items()],
                         validators=[InputRequired()])


class StaffBookingForm(SiteForm):
    """A visit booked at the desk: an existing patient of the clinic (``patient``) or a new one
    by their details. The service, practitioner and day were chosen on the page above."""

    service = HiddenField()
    practitioner = HiddenField()
    day = HiddenField()
    patient = HiddenField()
    start = RadioField("Time", choices=[], validate_choice=False, validators=[InputRequired("Choose a time.")])
    first_name = StringField("First name", validators=[Optional(), Length(max=80)])
    last_name = StringField("Last name", validators=[Optional(), Length(max=80)])
    email = EmailField("E-mail", validators=[Optional(), Email("Enter an e-mail address like name@example.com."),
                                             Length(max=254)])
    phone = TelField("Phone", validators=[
        Optional(), Regexp(r"^\+?[0-9 ().-]{7,19}$", message="Enter a phone number like (555) 010-0199.")])
    date_of_birth = DateField("Date of birth", validators=[Optional()])
    new_patient = RadioField(
        "First visit to a Back Solution clinic?",
        choices=[SelectChoice("new", "Yes, new patient"), SelectChoice("returning", "No, returning patient")],
        validators=[InputRequired("Say whether the patient is new or returning.")],
    )
    pain_area = SelectField("Where does it hurt?", choices=PAIN_AREAS, validators=[Optional()])
    submit = SubmitField("Book this visit")

    def validate(self, extra_validators=None) -> bool:
        """A new patient's details are all needed; an existing patient's are on record."""
        valid = super().validate(extra_validators)
        if self.patient.data:
            return valid
        for name, message in NEW_PATIENT_REQUIRED.items():
            field = getattr(self, name)
            if not field.data and not field.errors:
                field.errors.append(message)
                valid = False
        return valid

    def validate_date_of_birth(self, field):
        if field.data is not None and field.data.year < 1900:
            raise ValidationError("Check the year of the date of birth.")


class MoveVisitForm(SiteForm):
    start = RadioField("New time", choices=[], validate_choice=False, validators=[InputRequired("Choose a new time.")])
    submit = SubmitField("Move the visit")


class CancelVisitForm(SiteForm):
    reason = TextAreaField("Reason for cancelling", validators=[
        DataRequired("Say why the visit is cancelled."), Length(max=300)])
    submit = SubmitField("Cancel the visit")


class GivenDetailsForm(SiteForm):
    """The desk's answer to the details given at a booking: into the record, or not."""

    accept = SubmitField("Accept into the record")
    keep = SubmitField("Keep the record as it is")
