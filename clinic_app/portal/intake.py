"""The patient's intake questionnaire before the first visit, by the signed link the clinic
e-mailed (no sign-in: the link is the key). An answer that suggests cauda equina syndrome shows
the emergency advice at once (and the clinic is alerted)."""

from __future__ import annotations

from flask import render_template

from clinic_app.accounts.signed_links import LinkProblem
from clinic_app.clock import utcnow
from clinic_app.errors import DomainError
from clinic_app.extensions import db
from clinic_app.portal import bp
from clinic_app.screening.forms import IntakeForm
from clinic_app.screening.intake import already_answered, booking_for_token, record_intake
from clinic_app.screening.rules import EMERGENCY_ADVICE, STARTBACK_ITEMS, Tier


@bp.route("/intake/<token>", methods=["GET", "POST"])
def intake(token: str):
    booking = booking_for_token(token)
    if isinstance(booking, LinkProblem):
        return render_template("portal/intake_link_problem.html", problem=booking), 404
    if already_answered(booking):
        return render_template("portal/intake_done.html", emergency=False, advice=EMERGENCY_ADVICE)
    form = IntakeForm()
    if form.validate_on_submit():
        try:
            screen = record_intake(booking, form.findings(), form.startback_answers(), utcnow())
        except DomainError as error:
            db.session.rollback()
            form.populate_errors(error)
        else:
            db.session.commit()
            return render_template("portal/intake_done.html", emergency=screen.level == Tier.EMERGENCY,
                                   advice=EMERGENCY_ADVICE)
    return render_template("portal/intake.html", form=form, booking=booking, items=STARTBACK_ITEMS,
                           advice=EMERGENCY_ADVICE), 422 if form.errors else 200
