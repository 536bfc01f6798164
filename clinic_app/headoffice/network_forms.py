"""The where-next question, read from the query string: shape and range only."""

from __future__ import annotations

from wtforms import IntegerField
from wtforms.validators import InputRequired, NumberRange

from clinic_app.form_base import SiteForm

MIN_RADIUS_MILES, MAX_RADIUS_MILES = 5, 300
MAX_PICKS = 25
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
