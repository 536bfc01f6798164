"""The head-office audit search: shape and format only."""

from __future__ import annotations

from wtforms import DateField, EmailField, IntegerField, SelectChoice, SelectField
from wtforms.validators import Length, NumberRange, Optional, ValidationError

from clinic_app.form_base import SiteForm
from clinic_app.ids import LARGEST_ID

# What each audited action means, in the words shown to head office.
AUDIT_ACTIONS = {
    "view_chart": "Opened the chart",
    "read_other_clinic": "Was shown records made at another clinic (cross-clinic read)",
    "update_chart": "Changed the chart",
    "start_note": "Started a note",
    "view_note": "Opened a note",
    "edit_note": "Saved a draft note",
    "sign_note": "Signed a note",
    "add_addendum": "Added an addendum",
    "cosign_note": "Co-signed a note (manager)",
    "record_odi": "Recorded an Oswestry questionnaire",
    "open_odi_form": "Opened the Oswestry questionnaire form",
    "list_early_warning": "Was shown the patient on the early-warning dashboard (first time that day)",
    "search_patients": "Found the patient in a desk search (first time that day)",
    "view_programme": "Opened the exercise programme",
    "prescribe_programme": "Prescribed an exercise programme",
    "mark_arrived": "Checked the patient in",
    "mark_completed": "Marked the visit as seen",
    "mark_no_show": "Marked a no-show",
    "mark_booked": "Put the visit back to booked",
    "staff_book": "Booked a visit at the desk",
    "staff_move": "Moved a visit at the desk",
    "staff_cancel": "Cancelled a visit at the desk",
    "accept_patient_details": "Accepted details given at booking into the record",
    "keep_patient_details": "Kept the record, setting aside details given at booking",
    "nudge_patient": "Sent a check-in nudge",
    "acknowledge_alert": "Acknowledged a check-in alert",
    "record_red_flags": "Recorded a red-flag screen",
    "record_red_flag_action": "Recorded the action taken on a red flag",
    "record_startback": "Recorded a STarT Back questionnaire",
    "send_intake_questionnaire": "E-mailed the intake questionnaire",
    "list_red_flag_emergencies": "Was shown the patient's emergency red flag on the dashboard (first time that day)",
}


def _within_years(form, field):
    if field.data and not 2000 <= field.data.year <= 2100:
        raise ValidationError("Enter a date between 2000 and 2100.")


class AuditSearchForm(SiteForm):
    """Read from the query string: a search changes nothing, so it needs no CSRF token."""

    class Meta:
        csrf = False

    patient_id = IntegerField("Patient number",
                              validators=[Optional(), NumberRange(1, LARGEST_ID, message="Enter a patient number.")],
                              render_kw={"inputmode": "numeric"})
    actor_email = EmailField("Staff e-mail", validators=[Optional(), Length(max=254)])
    action = SelectField("Action", validators=[Optional()], choices=[SelectChoice("", "Any action")]
                         + [SelectChoice(code, label) for code, label in AUDIT_ACTIONS.items()])
    since = DateField("From (UTC)", validators=[Optional(), _within_years])
    until = DateField("To (UTC, inclusive)", validators=[Optional(), _within_years])

    def validate_until(self, field):
        if field.data and self.since.data and field.data < self.since.data:
            raise ValidationError("The end date must be on or after the start date.")
