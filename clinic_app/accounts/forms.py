"""Account forms: shape and format only. Rules that need the database live in the service."""

from wtforms import (
    BooleanField,
    EmailField,
    PasswordField,
    SelectChoice,
    SelectField,
    StringField,
    SubmitField,
    TelField,
)
from wtforms.validators import DataRequired, Email, EqualTo, Length, Optional, Regexp

from clinic_app.accounts.models import Role
from clinic_app.accounts.rules import MIN_PASSWORD_LENGTH
from clinic_app.form_base import CheckboxListField, DateOfBirthForm, SiteForm, date_of_birth_field
from clinic_app.patients.forms import phone_for_texts_when_asked, text_reminders_field

EMAIL = [DataRequired("Enter your e-mail address."), Email("Enter a valid e-mail address."), Length(max=254)]
NEW_PASSWORD = [
    DataRequired("Choose a password."),
    Length(min=MIN_PASSWORD_LENGTH, max=128, message=f"Use between {MIN_PASSWORD_LENGTH} and 128 characters."),
]


FULL_NAME = [DataRequired("Enter your name."), Length(max=120)]
PHONE = [
    Optional(),
    Regexp(r"^\+?[0-9 ().-]{7,19}$", message="Enter a phone number like (555) 010-0199."),
]


class LoginForm(SiteForm):
    email = EmailField("E-mail", validators=EMAIL, render_kw={"autocomplete": "username"})
    password = PasswordField(
        "Password",
        validators=[DataRequired("Enter your password."), Length(max=128)],
        render_kw={"autocomplete": "current-password"},
    )
    submit = SubmitField("Log in")


def _without_spaces(value):
    return value.replace(" ", "").replace("-", "") if isinstance(value, str) else value


class TwoFactorCodeForm(SiteForm):
    """The 6-digit code from the authenticator app (spaces and dashes as some apps show them
    are ignored)."""

    code = StringField(
        "Authentication code",
        validators=[
            DataRequired("Enter the 6-digit code from your authenticator app."),
            Regexp(r"^[0-9]{6}$", message="The code is 6 digits, like 123456."),
        ],
        filters=[_without_spaces],
        render_kw={"autocomplete": "one-time-code", "inputmode": "numeric", "maxlength": 12},
        description="Open your authenticator app and type the 6-digit code it shows for Back Solution.",
    )
    submit = SubmitField("Continue")


class RegistrationForm(DateOfBirthForm):
    full_name = StringField("Full name", validators=FULL_NAME, render_kw={"autocomplete": "name"})
    email = EmailField("E-mail", validators=EMAIL, render_kw={"autocomplete": "email"})
    date_of_birth = date_of_birth_field(
        description="Visits booked with your e-mail and this date of birth appear in your account."
    )
    password = PasswordField(
        "Password",
        validators=NEW_PASSWORD,
        render_kw={"autocomplete": "new-password"},
        description=f"At least {MIN_PASSWORD_LENGTH} characters. A short phrase works well.",
    )
    confirm = PasswordField(
        "Repeat password",
        validators=[DataRequired("Repeat your password."), EqualTo("password", "The passwords do not match.")],
        render_kw={"autocomplete": "new-password"},
    )
    submit = SubmitField("Create account")



class ResendVerificationForm(SiteForm):
    submit = SubmitField("Send the link again")


class ProfileForm(DateOfBirthForm):
    """The patient's own details. The date of birth is asked only while the account (``obj``)
    has none: visits join the account by it, so once set only the clinic corrects it."""

    full_name = StringField("Full name", validators=FULL_NAME, render_kw={"autocomplete": "name"})
    date_of_birth = date_of_birth_field(
        required=False,
        description="Visits booked with your e-mail and this date of birth appear in your account. "
        "You can set it once; to correct it later, contact your clinic.",
    )
    phone = TelField("Phone", validators=[phone_for_texts_when_asked, *PHONE], render_kw={"autocomplete": "tel"},
                     description="Optional. The clinic calls this number if a visit has to change.")
    visit_reminder_emails = BooleanField("E-mail me a reminder the day before each visit")
    text_reminders = text_reminders_field("Text me reminders at my phone number")
    submit = SubmitField("Save changes")

    def __init__(self, *args, obj=None, **kwargs):
        super().__init__(*args, obj=obj, **kwargs)
        if obj is not None and obj.date_of_birth is not None:
            del self.date_of_birth  # fixed: shown read-only, and a posted value is ignored

    def new_date_of_birth(self):
        """The date of birth given now, or None when none was asked for or given."""
        return self.date_of_birth.data if self.date_of_birth is not None else None


class DeletionForm(SiteForm):
    password = PasswordField(
        "Your password",
        validators=[DataRequired("Enter your password to confirm."), Length(max=128)],
        render_kw={"autocomplete": "current-password"},
    )
    submit = SubmitField("Close my account and ask for deletion")


class PasswordResetRequestForm(SiteForm):
    email = EmailField("E-mail", validators=EMAIL, render_kw={"autocomplete": "email"})
    submit = SubmitField("Send reset link")


class PasswordResetForm(SiteForm):
    password = PasswordField("New password", validators=NEW_PASSWORD, render_kw={"autocomplete": "new-password"})
    confirm = PasswordField(
        "Repeat new password",
        validators=[DataRequired("Repeat your password."), EqualTo("password", "The passwords do not match.")],
        render_kw={"autocomplete": "new-password"},
    )
    submit = SubmitField("Set new password")


class StaffUserForm(SiteForm):
    full_name = StringField("Full name", validators=[DataRequired("Enter a name."), Length(max=120)])
    email = EmailField("E-mail", validators=EMAIL)
    role = SelectField("Role", choices=[SelectChoice(role.value, role.label) for role in Role if role != Role.PATIENT])
    clinics = CheckboxListField("Clinics", coerce=int, description="Required for practitioners and clinic managers.")
    password = PasswordField(
        "Initial password",
        validators=NEW_PASSWORD,
        description="Share it securely; the user can change it with a reset link.",
    )
    submit = SubmitField("Create staff account")
