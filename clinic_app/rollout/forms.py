"""Rollout forms: shape and format only. Choices of clinics and owners are set by the view."""

from __future__ import annotations

from wtforms import DateField, HiddenField, SelectChoice, SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, Optional, Regexp, ValidationError

from clinic_app.form_base import SiteForm
from clinic_app.rollout.models import RolloutStage


def _within_years(form, field):
    if field.data and not 2000 <= field.data.year <= 2100:
        raise ValidationError("Enter a date between 2000 and 2100.")


def _optional_id(value):
    """A chosen id as an int; the blank choice (or anything not a number) as None."""
    return int(value) if isinstance(value, str) and value.isdigit() else value if isinstance(value, int) else None


class StartRolloutForm(SiteForm):
    clinic_id = SelectField("Clinic", coerce=int, validate_choice=True,
                            validators=[DataRequired("Choose a clinic.")])
    submit = SubmitField("Start rollout")


class MilestoneForm(SiteForm):
    title = StringField("Milestone", validators=[DataRequired("Enter what has to be done."), Length(max=200)])
    stage = SelectField("Stage", choices=[SelectChoice(s.value, s.label) for s in RolloutStage])
    owner_user_id = SelectField("Owner", coerce=_optional_id, validate_choice=False,
                                description="A person with an account, or write a name below.")
    owner_name = StringField("Or owner's name", validators=[Optional(), Length(max=120)],
                             description="For someone without an account: a contractor, a landlord's agent.")
    due_on = DateField("Due on", validators=[InputRequired("Enter the due date."), _within_years],
                       description="In the clinic's own calendar.")
    done_on = DateField("Done on", validators=[Optional(), _within_years],
                        description="Leave blank until it is done.")
    notes = TextAreaField("Notes", validators=[Optional(), Length(max=4000)])
    submit = SubmitField("Save milestone")

    def validate_owner_name(self, field):
        if not self.owner_user_id.data and not field.data:
            raise ValidationError("Choose an owner or write their name.")


class NotesForm(SiteForm):
    notes = TextAreaField("Notes", validators=[Optional(), Length(max=10000)])
    submit = SubmitField("Save notes")


class RolloutActionForm(SiteForm):
    """A button that changes something (mark done, move to the next stage): CSRF only."""

    submit = SubmitField("Confirm")


class AdvanceForm(SiteForm):
    """Move on (or open): carries the stage the page showed, so a second press is refused; on
    the confirmation page also the open milestones it listed (ids, comma-separated) and why
    head office moves on anyway."""

    stage = HiddenField()
    confirmed = HiddenField(validators=[Optional(), Regexp(r"^\d+(,\d+)*$", message="Reload the page.")])
    reason = TextAreaField("Why move on with these milestones open?", validators=[Optional(), Length(max=2000)],
                           description="Kept in the clinic's stage history with your name.")
    submit = SubmitField("Confirm")

    @property
    def confirmed_ids(self) -> frozenset[int]:
        return frozenset(int(part) for part in (self.confirmed.data or "").split(",") if part.isdigit())
