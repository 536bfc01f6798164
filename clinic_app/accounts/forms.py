"""Account forms: shape and format only. Rules that need the database live in the service."""

from wtforms import EmailField, PasswordField, SelectChoice, SelectField, StringField, SubmitField
from wtforms.validators import DataRequired, Email, EqualTo, Length

from clinic_app.accounts.models import Role
from clinic_app.accounts.rules import MIN_PASSWORD_LENGTH
from clinic_app.form_base import CheckboxListField, SiteForm

EMAIL = [DataRequired("Enter your e-mail address."), Email("Enter a valid e-mail address."), Length(max=254)]
NEW_PASSWORD = [
    DataRequired("Choose a password."),
    Length(min=MIN_PASSWORD_LENGTH, max=128, message=f"Use between {MIN_PASSWORD_LENGTH} and 128 characters."),
]


class LoginForm(SiteForm):
    email = EmailField("E-mail", validators=EMAIL, render_kw={"autocomplete": "username"})
    password = PasswordField(
        "Password",
        validators=[DataRequired("Enter your password."), Length(max=128)],
        render_kw={"autocomplete": "current-password"},
    )
    submit = SubmitField("Log in")


class RegistrationForm(SiteForm):
    full_name = StringField(
        "Full name",
        validators=[DataRequired("Enter your name."), Length(max=120)],
        render_kw={"autocomplete": "name"},
    )
    email = EmailField("E-mail", validators=EMAIL, render_kw={"autocomplete": "email"})
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
