"""The daily check-in form: one number-of-sets box per exercise in the programme, and for each
exercise done, how it felt and (optionally) the pain during it."""

from __future__ import annotations

from datetime import date, timedelta

from wtforms import IntegerField, RadioField, SelectChoice, TextAreaField
from wtforms.validators import AnyOf, DataRequired, InputRequired, Length, NumberRange, Optional

from clinic_app.adherence.rules import Feeling, Rating
from clinic_app.adherence.service import MAX_SETS, CheckInDetails, ExerciseRating
from clinic_app.form_base import SiteForm
from clinic_app.screening.rules import CHECK_IN_QUESTION
from clinic_app.treatments.models import Programme

RATINGS = [SelectChoice(Rating.EASIER.value, "Easier"), SelectChoice(Rating.SAME.value, "About the same"),
           SelectChoice(Rating.HARDER.value, "Harder or painful")]
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
    # Screening's cauda equina question: "yes" shows the emergency advice and alerts the clinic.
    cauda_equina = RadioField(CHECK_IN_QUESTION, choices=[SelectChoice("no", "No"), SelectChoice("yes", "Yes")],
                              default="no", validators=[Optional()])

    def exercise_fields(self):
        return [field for field in self if field.name.startswith("sets_")]

    def rating_fields(self):
        """Per exercise: how it felt and the pain during it, in programme order."""
        return [(self[f"rating_{f.name[5:]}"], self[f"pain_during_{f.name[5:]}"]) for f in self.exercise_fields()]

    def ratings(self) -> dict[int, ExerciseRating]:
        found = {}
        for rating, pain in self.rating_fields():
            if rating.data or pain.data is not None:
                found[int(rating.name.removeprefix("rating_"))] = ExerciseRating(
                    Rating(rating.data) if rating.data else None, pain.data)
        return found

    def details(self, today: date) -> CheckInDetails:
        return CheckInDetails(
            on=today if self.on.data == "today" else today - timedelta(days=1),
            pain=self.pain.data,
            feeling=Feeling(self.feeling.data) if self.feeling.data else None,
            sets_done={int(field.name.removeprefix("sets_")): field.data or 0 for field in self.exercise_fields()},
            ratings=self.ratings(),
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
        _add_rating_fields(ProgrammeCheckInForm, item.exercise_id, item.exercise.name)
    return ProgrammeCheckInForm(**kwargs)


def _add_rating_fields(form_class, exercise_id: int, name: str) -> None:
    """Optional, and only for an exercise done that day: how it felt and the pain during it."""
    setattr(form_class, f"rating_{exercise_id}", RadioField(
        f"{name}: how did it feel?", choices=RATINGS, validate_choice=False,
        validators=[Optional(), AnyOf([choice.value for choice in RATINGS])]))
    setattr(form_class, f"pain_during_{exercise_id}", IntegerField(
        f"{name}: pain during it (0-10, optional)",
        validators=[Optional(), NumberRange(0, 10, message="Give your pain from 0 to 10.")]))


class AlertAcknowledgementForm(SiteForm):
    """What the clinician did about an alert (called the patient, booked a visit...): kept with
    who acknowledged it and when."""

    action_taken = TextAreaField("What did you do?", validators=[
        DataRequired(message="Say what you did about this alert."),
        Length(max=500, message="Keep it under 500 characters.")])
