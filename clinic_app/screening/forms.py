"""Screening forms: the practitioner's red-flag screen and the action taken, STarT Back (by
the patient or the practitioner), and the patient's intake questionnaire. Shape only: the
tiers and scores are rules.py's."""

from __future__ import annotations

from wtforms import RadioField, SelectChoice, StringField, SubmitField
from wtforms.validators import InputRequired, Length

from clinic_app.form_base import CheckboxListField, SiteForm
from clinic_app.screening.rules import ACTIONS, BOTHERSOME, SCREEN_FLAGS, STARTBACK_ITEMS, STARTBACK_QUESTIONS

YES_NO = [SelectChoice("1", "Yes"), SelectChoice("0", "No")]
AGREE = [SelectChoice("1", "Agree"), SelectChoice("0", "Disagree")]


class RedFlagScreenForm(SiteForm):
    findings = CheckboxListField(
        "Red flags found", choices=[SelectChoice(code, flag.label) for code, flag in SCREEN_FLAGS.items()],
        validate_choice=False,  # the service names an unknown flag
        description="Leave every box clear to record: screened, none found.")
    save = SubmitField("Save red-flag screen")


class ActionForm(SiteForm):
    action_code = RadioField("Action taken", choices=[SelectChoice(c, label) for c, label in ACTIONS.items()],
                             validators=[InputRequired(message="Choose the action taken.")])
    action_detail = StringField("Detail", validators=[Length(max=300)],
                                description="Where the patient was referred, to whom, and when.")
    record = SubmitField("Record action")


class SendIntakeForm(SiteForm):
    send = SubmitField("E-mail the intake questionnaire")


class StartBackForm(SiteForm):
    def startback_fields(self):
        return [self[f"item_{n}"] for n in range(1, STARTBACK_ITEMS + 1)]

    def startback_answers(self) -> list[int]:
        return [int(field.data) for field in self.startback_fields()]


def _add_startback_items(form_class) -> None:
    for number, question in enumerate(STARTBACK_QUESTIONS, start=1):
        choices = AGREE if number < STARTBACK_ITEMS else [SelectChoice(str(i), label) for i, label in
                                                          enumerate(BOTHERSOME)]
        setattr(form_class, f"item_{number}", RadioField(
            f"{number}. {question}", choices=choices, validators=[InputRequired(message="Choose an answer.")]))


_add_startback_items(StartBackForm)


class IntakeForm(StartBackForm):
    """The patient's questionnaire before the first visit: the red-flag questions, then STarT Back."""

    def flag_fields(self):
        return [self[f"flag_{code}"] for code in SCREEN_FLAGS]

    def findings(self) -> list[str]:
        return [code for code in SCREEN_FLAGS if self[f"flag_{code}"].data == "1"]


for _code, _flag in SCREEN_FLAGS.items():
    setattr(IntakeForm, f"flag_{_code}", RadioField(
        _flag.question, choices=YES_NO, validators=[InputRequired(message="Answer yes or no.")]))
