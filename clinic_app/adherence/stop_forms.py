"""The one question a patient who stopped is asked: why? (adherence.stop_questions)."""

from __future__ import annotations

from wtforms import RadioField, SelectChoice, TextAreaField
from wtforms.validators import AnyOf, InputRequired, Length

from clinic_app.adherence.stop_questions import OTHER_TEXT_MAX, REASON_LABELS, StopAnswer, StopReason
from clinic_app.form_base import SiteForm

REASON_CHOICES = [SelectChoice(reason.value, label) for reason, label in REASON_LABELS.items()]


class StopQuestionForm(SiteForm):
    reason = RadioField("Why did you stop your exercises?", choices=REASON_CHOICES, validate_choice=False,
                        validators=[InputRequired(message="Choose the answer closest to yours."),
                                    AnyOf([choice.value for choice in REASON_CHOICES],
                                          message="Choose the answer closest to yours.")])
    other_text = TextAreaField("In a few words (if something else)",
                               validators=[Length(max=OTHER_TEXT_MAX, message=f"Keep it under {OTHER_TEXT_MAX} "
                                                                              "characters.")])

    def answer(self) -> StopAnswer:
        return StopAnswer(StopReason(self.reason.data), self.other_text.data or "")
