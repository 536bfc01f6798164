"""Booking forms: shape and format only. Whether a time is free, a service offered or a
patient allowed another visit is the booking service's to say."""

from __future__ import annotations

from wtforms import (
    BooleanField,
    EmailField,
    HiddenField,
    RadioField,
    SelectChoice,
    SelectField,
    StringField,
    SubmitField,
    TelField,
)
from wtforms.validators import DataRequired, Email, InputRequired, Length, Regexp

from clinic_app.form_base import OLDEST_AGE_YEARS as OLDEST_AGE_YEARS  # the API checks it too
from clinic_app.form_base import DateOfBirthForm, SiteForm, date_of_birth_field
from clinic_app.patients.forms import phone_for_texts_when_asked, text_reminders_field

PAIN_AREAS = [
    SelectChoice("", "Choose one"),
    SelectChoice("Lower back", "Lower back"),
    SelectChoice("Upper or middle back", "Upper or middle back"),
    SelectChoice("Neck", "Neck"),
    SelectChoice("Back and leg (sciatica)", "Back and leg (sciatica)"),
    SelectChoice("Neck and shoulder or arm", "Neck and shoulder or arm"),
    SelectChoice("Somewhere else or not sure", "Somewhere else, or not sure"),
]
CANCEL_REASONS = [
    SelectChoice("", "Choose one"),
    SelectChoice("I feel better", "I feel better"),
    SelectChoice("The time no longer suits me", "The time no longer suits me"),
    SelectChoice("I'm being treated elsewhere", "I'm being treated elsewhere"),
    SelectChoice("Another reason", "Another reason"),
]


class BookingDetailsForm(DateOfBirthForm):
    """The patient's details. The hidden fields carry the choices made on the earlier steps."""

    clinic = HiddenField()
    service = HiddenField()
    practitioner = HiddenField()
    start = HiddenField()
    other_start = RadioField("Choose another time", choices=[], validate_choice=False)
    first_name = StringField("First name", validators=[DataRequired("Enter your first name."), Length(max=80)],
                             render_kw={"autocomplete": "given-name"})
    last_name = StringField("Last name", validators=[DataRequired("Enter your last name."), Length(max=80)],
                            render_kw={"autocomplete": "family-name"})
    email = EmailField("E-mail", validators=[DataRequired("Enter your e-mail address."),
                                             Email("Enter an e-mail address like name@example.com."),
                                             Length(max=254)],
                       render_kw={"autocomplete": "email"}, description="We send the confirmation here.")
    phone = TelField("Phone", validators=[
        DataRequired("Enter a phone number the clinic can reach you on."),
        Regexp(r"^\+?[0-9 ().-]{7,19}$", message="Enter a phone number like (555) 010-0199."),
        phone_for_texts_when_asked,
    ], render_kw={"autocomplete": "tel"})
    date_of_birth = date_of_birth_field()
    new_patient = RadioField(
        "Have you been to a Back Solution clinic before?",
        choices=[SelectChoice("new", "No, this is my first visit"),
                 SelectChoice("returning", "Yes, I have been before")],
        validators=[InputRequired("Say whether you have been to one of our clinics before.")],
    )
    pain_area = SelectField("Where does it hurt?", choices=PAIN_AREAS,
                            validators=[DataRequired("Choose where it hurts.")])
    consent = BooleanField(
        "I agree that Back Solution stores my health information to arrange my care",
        validators=[DataRequired("We need your agreement to store your health information before we can book.")],
    )
    text_reminders = text_reminders_field("Text me reminders at this number (optional)")
    submit = SubmitField("Book this visit")



class CancelForm(SiteForm):
    reason = SelectField("Why are you cancelling?", choices=CANCEL_REASONS,
                         validators=[DataRequired("Choose a reason: it helps the clinic plan.")])
    submit = SubmitField("Cancel this visit")


class RescheduleForm(SiteForm):
    start = HiddenField()
    submit = SubmitField("Move my visit")
