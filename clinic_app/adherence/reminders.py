"""Daily check-in reminder e-mails: the patient picks a time of day, and the notification worker
(``flask notifications send``) e-mails them at that time on the wall clock where they are
treated, once a day, unless they have already checked in. Flush, never commit.

Each e-mail carries two links: one opens today's check-in on the patient's current programme,
one turns the reminders off. Both must work from every reminder, yet tokens are stored only as
hashes; so each token is an HMAC, under SECRET_KEY, of a random salt kept with the setting.
The database alone (a leaked backup) gives no working link.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from collections.abc import Sequence
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import and_, func, select
from sqlalchemy.exc import IntegrityError

from clinic_app.adherence.models import CheckInReminder, ExerciseCheckIn
from clinic_app.clinics.models import Clinic
from clinic_app.errors import ValidationFailed
from clinic_app.extensions import db
from clinic_app.notifications.due_now import queue_due_now
from clinic_app.notifications.links import public_url
from clinic_app.notifications.service import queue_email
from clinic_app.notifications.texts import queue_text
from clinic_app.patients.models import Patient
from clinic_app.patients.texting import texting_number
from clinic_app.scheduling.models import Booking, BookingStatus
from clinic_app.treatments.models import Programme

# The times a patient can pick: every half hour from 6:00 AM to 10:00 PM, in minutes after midnight.
REMINDER_TIMES = tuple(range(6 * 60, 22 * 60 + 1, 30))
DEFAULT_TIME = 19 * 60
# A worker that was down catches up on reminders this late, and no later: a reminder long
# after the chosen time would be noise, and a restart must not send a burst of them.
CATCH_UP = timedelta(hours=2)


def time_label(minutes: int) -> str:
    """ "7:00 PM" for 1140."""
    return time(minutes // 60, minutes % 60).strftime("%-I:%M %p")


def reminder_date(minutes_after_midnight: int, zone: str, now: datetime) -> date | None:
    """The local date whose reminder is due at ``now``: the chosen time has come today on the
    wall clock in ``zone``, less than CATCH_UP ago; else None. Pure. The chosen time is placed
    on today's date in the zone, so it follows the clocks across daylight-saving changes."""
    local_zone = ZoneInfo(zone)
    today = now.astimezone(local_zone).date()
    chosen = time(minutes_after_midnight // 60, minutes_after_midnight % 60)
    chosen_at = datetime.combine(today, chosen, tzinfo=local_zone)
    return today if chosen_at <= now < chosen_at + CATCH_UP else None


# -- the patient's setting ---------------------------------------------------------------------


def reminder_setting(patient_id: int) -> CheckInReminder | None:
    return db.session.scalar(select(CheckInReminder).where(CheckInReminder.patient_id == patient_id))


def set_check_in_reminder(patient_id: int, enabled: bool, minutes_after_midnight: int,
                          now: datetime) -> CheckInReminder | None:
    """Turn the patient's daily reminder on at a time from REMINDER_TIMES, or off. Turning off
    reminders that were never on stores nothing."""
    if minutes_after_midnight not in REMINDER_TIMES:
        raise ValidationFailed("Choose a time from the list.", "remind_at")
    setting = reminder_setting(patient_id)
    if setting is None:
        if not enabled:
            return None
        setting = _new_setting(patient_id, now)
    setting.enabled = enabled
    setting.minutes_after_midnight = minutes_after_midnight
    setting.updated_at = now
    db.session.flush()
    return setting


def check_in_link(patient_id: int, now: datetime) -> str:
    """The no-login link to today's check-in on the patient's current programme, as reminders
    carry it, for any e-mail to the patient (a nudge). A patient without a reminder setting gets
    one, turned off: it only holds the link's salt, and sends nothing."""
    setting = reminder_setting(patient_id)
    if setting is None:
        setting = _new_setting(patient_id, now, enabled=False)
    return public_url("portal.reminder_check_in_page", token=link_token(setting, "check-in"))


def _new_setting(patient_id: int, now: datetime, enabled: bool = True) -> CheckInReminder:
    setting = CheckInReminder(patient_id=patient_id, minutes_after_midnight=DEFAULT_TIME, enabled=enabled,
                              token_salt=secrets.token_hex(16), created_at=now, updated_at=now)
    _refresh_token_hashes(setting)
    try:
        # The same patient may save twice at once (two tabs): the unique patient wins once.
        with db.session.begin_nested():
            db.session.add(setting)
    except IntegrityError:
        raced = reminder_setting(patient_id)
        if raced is None:
            raise  # not the simultaneous first setting this handles
        return raced
    return setting


def stop_check_in_reminders(setting: CheckInReminder, now: datetime) -> None:
    """The stop link: no more reminders until the patient turns them on again."""
    if setting.enabled:
        setting.enabled = False
        setting.updated_at = now
        db.session.flush()


def setting_for_stop_token(token: str) -> CheckInReminder | None:
    return db.session.scalar(select(CheckInReminder).where(CheckInReminder.stop_token_hash == _hash(token)))


def setting_for_link_token(token: str) -> CheckInReminder | None:
    return db.session.scalar(select(CheckInReminder).where(CheckInReminder.link_token_hash == _hash(token)))


def link_token(setting: CheckInReminder, purpose: str) -> str:
    """The token of the e-mail's "check in" or "stop" link, the same in every reminder."""
    message = f"check-in-reminder:{purpose}:{setting.patient_id}:{setting.token_salt}".encode()
    digest = hmac.new(current_app.config["SECRET_KEY"].encode(), message, hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")


def _refresh_token_hashes(setting: CheckInReminder) -> None:
    """Store the hashes of the current tokens (they change only if SECRET_KEY does)."""
    setting.stop_token_hash = _hash(link_token(setting, "stop"))
    setting.link_token_hash = _hash(link_token(setting, "check-in"))


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


# -- the worker ----------------------------------------------------------------------------------


def queue_due_check_in_reminders(now: datetime) -> int:
    """Queue today's reminder for every patient with reminders on and a current programme
    whose chosen time has come (less than CATCH_UP ago) in their zone, and who has not checked
    in today; return how many were queued. One per patient and local date, ever: the outbox's
    unique key makes a second pass, or a second worker, queue nothing."""
    due = []
    for setting, first_name, email, zone in _candidates():
        on = reminder_date(setting.minutes_after_midnight, zone, now)
        if on is not None:
            due.append((setting, first_name, email, zone, on))
    checked_in = _checked_in({setting.patient_id for setting, *_ in due}, {on for *_, on in due})
    queued = 0
    for setting, first_name, email, zone, on in due:
        if (setting.patient_id, on) not in checked_in:
            queued += _queue_reminder(setting, first_name, email, on, now) if email else 0
            queued += _queue_text_reminder(setting, zone, on, now)
    return queued


def _candidates() -> Sequence:
    """Every enabled setting whose patient has a current programme, with the patient's first
    name, e-mail and zone: one query. The zone is a correlated subquery stating the rule of
    adherence.service.patient_zone (the clinic of the latest visit not cancelled, else UTC);
    calling that function per patient would cost a query each."""
    zone = (
        select(Clinic.timezone)
        .join(Booking, Booking.clinic_id == Clinic.id)
        .where(Booking.patient_id == CheckInReminder.patient_id, Booking.status != BookingStatus.CANCELLED)
        .order_by(Booking.start_at.desc())
        .limit(1)
        .correlate(CheckInReminder)
        .scalar_subquery()
    )
    return db.session.execute(
        select(CheckInReminder, Patient.first_name, Patient.email, func.coalesce(zone, "UTC"))
        .join(Patient, Patient.id == CheckInReminder.patient_id)
        .join(Programme, and_(Programme.patient_id == CheckInReminder.patient_id, Programme.replaced_at.is_(None)))
        .where(CheckInReminder.enabled.is_(True))
        .order_by(CheckInReminder.id)
    ).all()


def _checked_in(patient_ids: set[int], dates: set[date]) -> set[tuple[int, date]]:
    """(patient, date) pairs with a check-in, among these patients and dates: one query."""
    if not patient_ids:
        return set()
    rows = db.session.execute(
        select(ExerciseCheckIn.patient_id, ExerciseCheckIn.on_date).where(
            ExerciseCheckIn.patient_id.in_(patient_ids), ExerciseCheckIn.on_date.in_(dates)
        )
    )
    return {(patient_id, on) for patient_id, on in rows}


def _queue_text_reminder(setting: CheckInReminder, zone: str, on: date, now: datetime) -> int:
    """The same reminder by text, for a patient who agreed to texts: no name, no health detail,
    the no-login check-in link."""
    phone = texting_number(setting.patient_id)
    if phone is None:
        return 0
    url = public_url("portal.reminder_check_in_page", token=link_token(setting, "check-in"))
    text = f"Back Solution: time for today's check-in: {url} Reply STOP to opt out."
    return queue_text(phone, text, f"check-in-text:{setting.patient_id}:{on.isoformat()}", zone, now) is not None


def _queue_reminder(setting: CheckInReminder, first_name: str, email: str, on: date, now: datetime) -> int:
    _refresh_token_hashes(setting)
    return queue_due_now(lambda: queue_email(
        email,
        "Time for today's exercise check-in",
        "emails/check_in_reminder.txt",
        html_template="emails/check_in_reminder.html",
        idempotency_key=f"check-in-reminder:{setting.patient_id}:{on.isoformat()}",
        first_name=first_name,
        at=time_label(setting.minutes_after_midnight),
        check_in_url=public_url("portal.reminder_check_in_page", token=link_token(setting, "check-in")),
        stop_url=public_url("portal.stop_reminders", token=link_token(setting, "stop")),
    ), now)
