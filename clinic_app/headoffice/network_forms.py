"""The where-next question, read from the query string: shape and range only."""

from __future__ import annotations

from wtforms import BooleanField, IntegerField, SelectChoice, SelectField
from wtforms.validators import InputRequired, NumberRange

from clinic_app.form_base import SiteForm
from clinic_app.rollout.models import RolloutStage

MIN_RADIUS_MILES, MAX_RADIUS_MILES = 5, 300
MAX_PICKS = 25
# A clinic in the pipeline counts as coverage from this stage by default: with the lease
# signed the address is fixed (and the clinic shows as coming soon).
DEFAULT_PIPELINE_FROM = RolloutStage.LEASE_SIGNED
RADIUS_MESSAGE = f"Enter a whole number of miles from {MIN_RADIUS_MILES} to {MAX_RADIUS_MILES}."


class WhereNextForm(SiteForm):
    """A ranking changes nothing, so it needs no CSRF token."""

    class Meta:
        csrf = False

    radius_miles = IntegerField(
        "Radius a clinic serves (miles)",
        validators=[InputRequired("Enter the radius in miles."),
                    NumberRange(MIN_RADIUS_MILES, MAX_RADIUS_MILES, message=RADIUS_MESSAGE)],
        render_kw={"inputmode": "numeric"},
        description="A place is covered when a clinic is within this distance.",
    )
    count = IntegerField(
        "How many cities",
        validators=[InputRequired("Enter how many cities to pick."),
                    NumberRange(1, MAX_PICKS, message=f"Enter a whole number from 1 to {MAX_PICKS}.")],
        render_kw={"inputmode": "numeric"},
    )
    pipeline = BooleanField(
        "Count clinics in the pipeline as coverage",
        description="A place a clinic in the pipeline will serve is not proposed again.",
    )
    pipeline_from = SelectField(
        "From the stage",
        choices=[SelectChoice(s.value, s.label) for s in RolloutStage if s != RolloutStage.OPEN],
        default=DEFAULT_PIPELINE_FROM.value,
        description="Clinics at this stage or later count; coming-soon clinics without a rollout always do.",
    )
