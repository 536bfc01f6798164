"""Waitlist forms: shape and format only. Whether the "before" date helps is the service's to say."""

from __future__ import annotations

from wtforms import BooleanField, DateField, EmailField, StringField, SubmitField
from wtforms.validators import DataRequired, Email, Length, Optional

from clinic_app.form_base import SiteForm


class BeforeDateField(DateField):
    def process_formdata(self, valuelist):
        try:
            super().process_formdata(valuelist)
        except ValueError:
            raise ValueError("Enter a date like 2026-12-24, or leave this empty.") from None


class WaitlistForm(SiteForm):
    email = EmailField("E-mail", validators=[DataRequired("Enter your e-mail address."),
                                             Email("Enter an e-mail address like name@example.com."),
                                             Length(max=254)],
                       render_kw={"autocomplete": "email"}, description="We tell you here when a time comes free.")
    name = StringField("Your name (optional)", validators=[Length(max=120)], render_kw={"autocomplete": "name"})
    before = BeforeDateField(
        "Only times before (optional)", validators=[Optional()],
        description="Leave empty for any earlier time. We stop writing once this date comes.",
    )
    consent = BooleanField(
        "E-mail me when a time comes free at this clinic. I can leave the waitlist at any time.",
        validators=[DataRequired("Tick the box to agree to these e-mails.")],
    )
    submit = SubmitField("Join the waitlist")


class LeaveForm(SiteForm):
    submit = SubmitField("Leave the waitlist")
