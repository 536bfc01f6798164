"""Forms of the treatment-record pages: shape and format only. Clinical rules (who may sign,
what a signed note refuses, dosage limits) are the treatments services' to say."""

from __future__ import annotations

from wtforms import (
    BooleanField,
    DateField,
    FieldList,
    FormField,
    HiddenField,
    IntegerField,
    RadioField,
    SelectChoice,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from clinic_app.form_base import CheckboxListField, SiteForm, SubForm
from clinic_app.treatments.charts import TIMEPOINTS
from clinic_app.treatments.notes import BODY_REGIONS, TECHNIQUES
from clinic_app.treatments.programmes import DOSAGE_LIMITS
from clinic_app.treatments.rules import DISCHARGE_REASONS, ODI_MIN_ANSWERED, ODI_SECTIONS

PAIN_MESSAGE = "Pain is scored from 0 (none) to 10 (worst imaginable)."
PAIN_VALIDATORS = [Optional(), NumberRange(0, 10, PAIN_MESSAGE)]
PAIN_INPUT = {"inputmode": "numeric", "min": 0, "max": 10}

# The Oswestry Disability Index v2.1a, each section's six statements scored 0 to 5
# (Fairbank & Pynsent 2000), slightly shortened.
ODI_QUESTIONS = [
    ("Pain intensity", ["I have no pain at the moment", "The pain is very mild at the moment",
                        "The pain is moderate at the moment", "The pain is fairly severe at the moment",
                        "The pain is very severe at the moment", "The pain is the worst imaginable at the moment"]),
    ("Personal care (washing, dressing)", [
        "I can look after myself normally without causing extra pain",
        "I can look after myself normally but it causes extra pain",
        "It is painful to look after myself and I am slow and careful",
        "I need some help but manage most of my personal care",
        "I need help every day in most aspects of self-care",
        "I do not get dressed, wash with difficulty and stay in bed"]),
    ("Lifting", [
        "I can lift heavy weights without extra pain", "I can lift heavy weights but it gives extra pain",
        "Pain prevents me lifting heavy weights off the floor, but I can if they are conveniently placed",
        "Pain prevents me lifting heavy weights, but I can manage light to medium ones if conveniently placed",
        "I can lift very light weights", "I cannot lift or carry anything at all"]),
    ("Walking", [
        "Pain does not prevent me walking any distance", "Pain prevents me walking more than 1 mile",
        "Pain prevents me walking more than a quarter of a mile",
        "Pain prevents me walking more than 100 yards", "I can only walk using a stick or crutches",
        "I am in bed most of the time"]),
    ("Sitting", [
        "I can sit in any chair as long as I like", "I can only sit in my favourite chair as long as I like",
        "Pain prevents me sitting more than 1 hour", "Pain prevents me sitting more than 30 minutes",
        "Pain prevents me sitting more than 10 minutes", "Pain prevents me from sitting at all"]),
    ("Standing", [
        "I can stand as long as I want without extra pain", "I can stand as long as I want but it gives me extra pain",
        "Pain prevents me from standing for more than 1 hour",
        "Pain prevents me from standing for more than 30 minutes",
        "Pain prevents me from standing for more than 10 minutes", "Pain prevents me from standing at all"]),
    ("Sleeping", [
        "My sleep is never disturbed by pain", "My sleep is occasionally disturbed by pain",
        "Because of pain I have less than 6 hours sleep", "Because of pain I have less than 4 hours sleep",
        "Because of pain I have less than 2 hours sleep", "Pain prevents me from sleeping at all"]),
    ("Sex life (if applicable)", [
        "My sex life is normal and causes no extra pain", "My sex life is normal but causes some extra pain",
        "My sex life is nearly normal but is very painful", "My sex life is severely restricted by pain",
        "My sex life is nearly absent because of pain", "Pain prevents any sex life at all"]),
    ("Social life", [
        "My social life is normal and gives me no extra pain",
        "My social life is normal but increases the degree of pain",
        "Pain has no significant effect on my social life apart from limiting more energetic interests",
        "Pain has restricted my social life and I do not go out as often",
        "Pain has restricted my social life to my home", "I have no social life because of pain"]),
    ("Travelling", [
        "I can travel anywhere without pain", "I can travel anywhere but it gives me extra pain",
        "Pain is bad but I manage journeys over two hours", "Pain restricts me to journeys of less than one hour",
        "Pain restricts me to short necessary journeys under 30 minutes",
        "Pain prevents me from travelling except to receive treatment"]),
]
assert len(ODI_QUESTIONS) == ODI_SECTIONS


def _optional_int(value):
    return int(value) if value not in (None, "", "None") else None


class ChartForm(SiteForm):
    condition = StringField("Condition", validators=[Length(max=200)],
                            description="The working diagnosis, e.g. mechanical low back pain.")
    onset_date = DateField("Onset date", validators=[Optional()],
                           description="When the current episode began; it decides acute, subacute or chronic.")
    save = SubmitField("Save chart")


class DischargeForm(SiteForm):
    reason = SelectField("Reason for discharge", choices=[SelectChoice("", "Choose a reason")]
                         + [SelectChoice(code, label) for code, label in DISCHARGE_REASONS.items()],
                         validators=[InputRequired("Choose why the episode of care ends.")], validate_choice=False)
    discharge = SubmitField("Discharge")


class NoteForm(SiteForm):
    body_region = SelectField("Body region", choices=[SelectChoice("", "Choose a region")]
                              + [SelectChoice(r, r.capitalize()) for r in BODY_REGIONS], validate_choice=False)
    subjective = TextAreaField("Subjective", validators=[Length(max=5000)],
                               description="What the patient reports: symptoms, history, goals.")
    objective = TextAreaField("Objective", validators=[Length(max=5000)],
                              description="What you found: observation, range of movement, tests.")
    assessment = TextAreaField("Assessment", validators=[Length(max=5000)])
    plan = TextAreaField("Plan", validators=[Length(max=5000)])
    techniques = CheckboxListField("Techniques used", choices=[SelectChoice(t, t.capitalize()) for t in TECHNIQUES],
                                   validate_choice=False)
    pain_before = IntegerField("Pain before treatment (0-10)", validators=PAIN_VALIDATORS, render_kw=PAIN_INPUT)
    pain_after = IntegerField("Pain after treatment (0-10)", validators=PAIN_VALIDATORS, render_kw=PAIN_INPUT)
    save = SubmitField("Save draft")
    sign = SubmitField("Sign note")


class AddendumForm(SiteForm):
    reason = StringField("Reason for the addendum", validators=[DataRequired("Say why you are adding to the note."),
                                                                Length(max=200)])
    body = TextAreaField("Addendum", validators=[DataRequired("Write the correction or addition."),
                                                 Length(max=5000)])
    add = SubmitField("Add addendum")


class CosignForm(SiteForm):
    """A clinic manager's co-signature: nothing to fill in but the button."""

    cosign = SubmitField("Co-sign this note")


def _odi_section(number: int, title: str, statements: list[str]) -> RadioField:
    return RadioField(f"{number}. {title}", choices=[SelectChoice(str(i), text) for i, text in enumerate(statements)],
                      validators=[Optional()], coerce=_optional_int, validate_choice=True)


class OdiForm(SiteForm):
    timepoint = SelectField("When in the course of care", choices=[SelectChoice(t, t.capitalize()) for t in TIMEPOINTS],
                            validators=[InputRequired()])
    save = SubmitField("Save questionnaire")

    def answers(self) -> list[int | None]:
        return [self[f"section_{n}"].data for n in range(1, ODI_SECTIONS + 1)]

    def sections(self):
        return [self[f"section_{n}"] for n in range(1, ODI_SECTIONS + 1)]

    def validate(self, extra_validators=None) -> bool:
        if not super().validate(extra_validators):
            return False
        answered = sum(a is not None for a in self.answers())
        if answered < ODI_MIN_ANSWERED:
            self.form_errors.append(f"Answer at least {ODI_MIN_ANSWERED} of the {ODI_SECTIONS} sections "
                                    f"({answered} answered): with fewer the score means too little.")
            return False
        return True


for _number, (_title, _statements) in enumerate(ODI_QUESTIONS, start=1):
    setattr(OdiForm, f"section_{_number}", _odi_section(_number, _title, _statements))


def _dose_field(label: str, name: str) -> IntegerField:
    low, high = DOSAGE_LIMITS[name]
    return IntegerField(label, validators=[InputRequired(f"Enter the {label.lower()}."),
                                           NumberRange(low, high, f"{label} must be from {low} to {high}.")],
                        render_kw={"inputmode": "numeric", "min": low, "max": high})


class DoseForm(SubForm):
    """One exercise of the library with the dosage for this patient; ``chosen`` puts it in."""

    exercise_id = HiddenField()
    chosen = BooleanField("Include")
    sets = _dose_field("Sets", "sets")
    reps = _dose_field("Reps", "reps")
    hold_seconds = _dose_field("Hold (seconds)", "hold_seconds")
    times_per_day = _dose_field("Times a day", "times_per_day")
    minutes = IntegerField("Minutes (timed exercises)", default=0,
                           description="For an exercise done for a time, such as walking; 0 to count sets of reps.",
                           validators=[Optional(), NumberRange(*DOSAGE_LIMITS["minutes"],
                                                               "Minutes must be from 0 to 180.")],
                           render_kw={"inputmode": "numeric", "min": 0, "max": 180})
    notes = StringField("Note for the patient", validators=[Length(max=300)])


class ProgrammeForm(SiteForm):
    exercises = FieldList(FormField(DoseForm))
    notes = TextAreaField("Notes for the patient", validators=[Length(max=2000)])
    save = SubmitField("Save and e-mail to the patient")

    def chosen(self) -> list[DoseForm]:
        return [entry.form for entry in self.exercises if entry.form.chosen.data]

    def validate(self, extra_validators=None) -> bool:
        # Only the exercises put in need a valid dosage; the rest keep what was typed.
        valid = True
        for name in ("csrf_token", "notes"):
            if name in self._fields:
                valid = self[name].validate(self) and valid
        for entry in self.chosen():
            valid = entry.validate() and valid
        return valid
