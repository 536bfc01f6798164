"""The daily check-in reminder setting: on or off, and the time of day from a list."""

from __future__ import annotations

from wtforms import BooleanField, SelectChoice, SelectField
from wtforms.validators import AnyOf, InputRequired

from clinic_app.adherence.models import CheckInReminder
from clinic_app.adherence.reminders import DEFAULT_TIME, REMINDER_TIMES, time_label
from clinic_app.form_base import SiteForm


def as_value(minutes: int) -> str:
    """ "19:00" for 1140: the option's value, as sent by the form."""
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


TIME_CHOICES = [SelectChoice(as_value(minutes), time_label(minutes)) for minutes in REMINDER_TIMES]
TIME_ERROR = "Choose a time from the list."


class CheckInReminderForm(SiteForm):
    enabled = BooleanField("E-mail me a reminder to check in every day")
    # validate_choice off so that a value not on the list gets our own message, next to the field.
    remind_at = SelectField(
        "Time of the reminder",
        choices=TIME_CHOICES,
        validate_choice=False,
        description="Your clinic's local time. No e-mail on a day you have already checked in.",
        validators=[InputRequired(message=TIME_ERROR), AnyOf([choice.value for choice in TIME_CHOICES],
                                                              message=TIME_ERROR)],
    )

    @classmethod
    def for_setting(cls, setting: CheckInReminder | None) -> CheckInReminderForm:
        minutes = setting.minutes_after_midnight if setting else DEFAULT_TIME
        return cls(formdata=None, enabled=bool(setting and setting.enabled), remind_at=as_value(minutes))

    def minutes_after_midnight(self) -> int:
        hours, minutes = self.remind_at.data.split(":")
        return int(hours) * 60 + int(minutes)
