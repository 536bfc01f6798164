"""The "tell me when a clinic opens near me" form."""

from wtforms import BooleanField, EmailField, StringField, SubmitField
from wtforms.validators import DataRequired, Email, Length, Regexp

from clinic_app.form_base import SiteForm


class OpeningAlertForm(SiteForm):
    email = EmailField(
        "E-mail",
        validators=[
            DataRequired("Enter your e-mail address."),
            Email("Enter a valid e-mail address."),
            Length(max=254),
        ],
        render_kw={"autocomplete": "email"},
    )
    zip_code = StringField(
        "ZIP code",
        validators=[DataRequired("Enter your ZIP code."), Regexp(r"^[0-9]{5}$", message="Enter a 5-digit ZIP code.")],
        render_kw={"inputmode": "numeric", "autocomplete": "postal-code", "maxlength": 5},
    )
    consent = BooleanField(
        "E-mail me once when a Back Solution clinic opens near this ZIP code. I can unsubscribe at any time.",
        validators=[DataRequired("Tick the box to agree to that one e-mail.")],
    )
    submit = SubmitField("Tell me when a clinic opens")


class UnsubscribeForm(SiteForm):
    submit = SubmitField("Unsubscribe")
