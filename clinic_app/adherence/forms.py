"""The daily check-in form: one number-of-sets box per exercise in the programme."""

from __future__ import annotations

from datetime import date, timedelta

from wtforms import IntegerField, RadioField, SelectChoice
from wtforms.validators import AnyOf, InputRequired, NumberRange, Optional

from clinic_app.adherence.rules import Feeling
from clinic_app.adherence.service import MAX_SETS, CheckInDetails
from clinic_app.form_base import SiteForm
from clinic_app.treatments.models import Programme

FEELINGS = [SelectChoice(Feeling.BETTER.value, "Better"), SelectChoice(Feeling.SAME.value, "About the same"),
            SelectChoice(Feeling.WORSE.value, "Worse")]


class CheckInForm(SiteForm):
    on = RadioField(
        "Which day are you logging?",
        choices=[SelectChoice("today", "Today"), SelectChoice("yesterday", "Yesterday")],
        default="today",
        validators=[InputRequired(message="Choose today or yesterday.")],
    )
    # A row of eleven radio buttons (templates/_macros/forms.html scale_field): one tap, no typing.
    pain = RadioField(
        "Pain right now",
        choices=[SelectChoice(score, str(score)) for score in range(11)],
        coerce=int,
        validate_choice=False,  # NumberRange says what is wrong in words
        description="0 means no pain, 10 the worst pain you can imagine.",
        validators=[InputRequired(message="Give your pain from 0 to 10."),
                    NumberRange(0, 10, message="Give your pain from 0 to 10.")],
    )
    # validate_choice off so that "no answer" is allowed on a day without exercise.
    feeling = RadioField("Did the exercises make you feel better?", choices=FEELINGS, validate_choice=False,
                         validators=[Optional(), AnyOf([choice.value for choice in FEELINGS])])

    def exercise_fields(self):
        return [field for field in self if field.name.startswith("sets_")]

    def details(self, today: date) -> CheckInDetails:
        return CheckInDetails(
            on=today if self.on.data == "today" else today - timedelta(days=1),
            pain=self.pain.data,
            feeling=Feeling(self.feeling.data) if self.feeling.data else None,
            sets_done={int(field.name.removeprefix("sets_")): field.data or 0 for field in self.exercise_fields()},
        )


def check_in_form(programme: Programme, **kwargs) -> CheckInForm:
    """The form for this programme: a "sets done" box per exercise, 0 when skipped."""

    class ProgrammeCheckInForm(CheckInForm):
        pass

    for item in programme.items:
        setattr(
            ProgrammeCheckInForm,
            f"sets_{item.exercise_id}",
            IntegerField(
                f"{item.exercise.name}: {'times done' if item.is_timed else 'sets done'}",
                default=0,
                description=f"Prescribed: {item.dosage}. 0 if you skipped it.",
                validators=[Optional(), NumberRange(0, MAX_SETS, message=f"Give a number from 0 to {MAX_SETS}.")],
            ),
        )
    return ProgrammeCheckInForm(**kwargs)
