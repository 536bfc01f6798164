"""Form pieces about patients' contact details: shape and format only."""

from __future__ import annotations

from wtforms import BooleanField
from wtforms.validators import ValidationError

from clinic_app.patients.rules import TEXT_CONSENT_WORDING, TEXT_PHONE_MESSAGE, InvalidPhoneNumber, phone_for_texts


def text_reminders_field(label: str) -> BooleanField:
    """The opt-in to texts, with the words agreed to beside it (stored with the agreement)."""
    return BooleanField(label, description=TEXT_CONSENT_WORDING)


def phone_for_texts_when_asked(form, field) -> None:
    """A validator for the phone field of a form with ``text_reminders``: when texts are asked
    for, the number must be one a carrier can deliver to, not just digits."""
    if form.text_reminders.data:
        try:
            phone_for_texts(field.data or "")
        except InvalidPhoneNumber:
            raise ValidationError(TEXT_PHONE_MESSAGE) from None
