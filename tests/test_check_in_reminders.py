"""Daily check-in reminder e-mails: the patient picks a time, the notification worker e-mails
them at that time on their clinic's clock, once a day, until they stop it."""

import re
import threading
from datetime import UTC, date, datetime, timedelta
from email import message_from_bytes, policy
from urllib.parse import urlsplit

import pytest
from sqlalchemy import select

from clinic_app.accounts.models import Role
from clinic_app.adherence.models import CheckInReminder
from clinic_app.adherence.reminders import reminder_date
from clinic_app.adherence.service import CheckInDetails, record_check_in
from clinic_app.audit.service import Actor
from clinic_app.clock import utcnow
from clinic_app.extensions import db
from clinic_app.notifications.cli import send_due
from clinic_app.treatments.library import seed_exercise_library
from clinic_app.treatments.programmes import Dose, exercise_library, prescribe_programme
from tests.factories import make_booking, make_clinic, make_user

SUBJECT = "Time for today's exercise check-in"
# Los Angeles moves its clocks forward on Sunday 14 March 2027: 7:00 PM that day is 02:00 UTC
# the next morning, an hour earlier than 7:00 PM the day before (03:00 UTC).
DST_DAY = date(2027, 3, 14)
SEVEN_PM_ON_DST_DAY = datetime(2027, 3, 15, 2, 0, tzinfo=UTC)
MINUTE = timedelta(minutes=1)
DAY = timedelta(days=1)


@pytest.fixture
def prescribed(app):
    """A patient treated in Los Angeles with a current home programme: (visit, programme, link token)."""
    clinic = make_clinic(name="Los Angeles Back Clinic", city="Los Angeles", state="CA", zip_code="90012",
                         timezone="America/Los_Angeles")
    visit = make_booking(clinic, email="pat.reminders@example.com", first_name="Robin")
    seed_exercise_library()
    exercise = exercise_library()[0]
    programme, token = prescribe_programme(Actor(visit.practitioner.user, "203.0.113.7"), visit.patient,
                                           visit.practitioner, [Dose(exercise.id, 3, 10)], "", utcnow())
    db.session.commit()
    return visit, programme, token


def choose(client, token, at="19:00", enabled="y"):
    page = f"/my/programme/{token}"
    data = {"remind_at": at, **({"enabled": enabled} if enabled else {})}
    return client.submit(f"{page}/reminders", data, page=page)


def reminders(mailbox):
    parsed = [message_from_bytes(m.as_bytes(), policy=policy.default) for m in mailbox.messages]
    return [m for m in parsed if m["Subject"] == SUBJECT]


def links(message) -> list[str]:
    return [urlsplit(url).path for url in re.findall(r"https?://\S+", message.get_body(("plain",)).get_content())]


def test_the_reminder_arrives_once_at_the_chosen_local_time_on_the_day_clocks_change(client, prescribed, smtp_server):
    assert choose(client, prescribed[2]).status_code == 302

    assert send_due(SEVEN_PM_ON_DST_DAY - MINUTE)[0] == 0  # 6:59 PM in Los Angeles
    assert reminders(smtp_server) == []
    assert send_due(SEVEN_PM_ON_DST_DAY)[0] == 1
    assert send_due(SEVEN_PM_ON_DST_DAY + 10 * MINUTE)[0] == 0
    assert send_due(SEVEN_PM_ON_DST_DAY + 10 * MINUTE)[0] == 0  # the next worker pass

    [reminder] = reminders(smtp_server)
    assert reminder["To"] == "pat.reminders@example.com"
    body = reminder.get_body(("plain",)).get_content()
    assert "Hello Robin" in body and "at 7:00 PM" in body
    assert "Stop these reminders" in reminder.get_body(("html",)).get_content()


def test_the_day_before_the_clocks_change_it_comes_at_seven_pm_standard_time(client, prescribed, smtp_server):
    choose(client, prescribed[2])
    seven_pm_pst = datetime(2027, 3, 14, 3, 0, tzinfo=UTC)
    assert send_due(seven_pm_pst - MINUTE)[0] == 0
    assert send_due(seven_pm_pst)[0] == 1
    assert len(reminders(smtp_server)) == 1


def test_two_workers_at_once_send_one_reminder(app, client, prescribed, smtp_server):
    choose(client, prescribed[2])
    start, results = threading.Barrier(2), []

    def worker():
        with app.app_context():
            start.wait()
            results.append(send_due(SEVEN_PM_ON_DST_DAY)[0])

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(results) == [0, 1]
    assert len(reminders(smtp_server)) == 1


def test_no_reminder_on_a_day_the_patient_has_already_checked_in(client, prescribed, smtp_server):
    _, programme, token = prescribed
    choose(client, token)
    send_due(SEVEN_PM_ON_DST_DAY)
    next_evening = SEVEN_PM_ON_DST_DAY + DAY
    record_check_in(programme, CheckInDetails(DST_DAY + timedelta(days=1), 3, None, {}), next_evening - 3 * 60 * MINUTE)
    db.session.commit()
    assert send_due(next_evening)[0] == 0
    assert send_due(next_evening + 30 * MINUTE)[0] == 0
    assert len(reminders(smtp_server)) == 1  # the first evening's only


def test_a_worker_back_after_two_hours_does_not_send_that_days_late_reminder(client, prescribed, smtp_server):
    choose(client, prescribed[2])
    assert send_due(SEVEN_PM_ON_DST_DAY + 121 * MINUTE)[0] == 0
    assert send_due(SEVEN_PM_ON_DST_DAY + 119 * MINUTE)[0] == 1  # a worker still within the catch-up window
    assert len(reminders(smtp_server)) == 1


def test_the_stop_link_asks_to_confirm_then_turns_reminders_off(client, prescribed, smtp_server):
    choose(client, prescribed[2])
    send_due(SEVEN_PM_ON_DST_DAY)
    [reminder] = reminders(smtp_server)
    check_in_link, stop_link = links(reminder)

    confirm = client.get(stop_link)
    assert confirm.status_code == 200 and "Stop reminders" in confirm.text
    assert confirm.headers["Cache-Control"] == "no-store"
    assert db.session.scalar(select(CheckInReminder.enabled)) is True  # a visit alone changes nothing

    stopped = client.submit(stop_link, {})
    assert stopped.status_code == 302
    assert "will not send you check-in reminders" in client.get(stopped.headers["Location"]).text
    assert send_due(SEVEN_PM_ON_DST_DAY + DAY)[0] == 0
    assert len(reminders(smtp_server)) == 1
    assert "Reminders are off" in client.get(f"/my/programme/{prescribed[2]}").text


def test_the_reminders_link_opens_todays_check_in_on_the_current_programme(client, prescribed, smtp_server):
    visit, programme, token = prescribed
    choose(client, token)
    send_due(SEVEN_PM_ON_DST_DAY)
    [reminder] = reminders(smtp_server)
    check_in_link, _ = links(reminder)
    page = client.get(check_in_link)
    assert page.status_code == 200
    assert "Today's check-in" in page.text and programme.items[0].exercise.name in page.text
    assert page.headers["Cache-Control"] == "no-store"
    assert client.get(check_in_link + "x").status_code == 404

    entry = {"on": "today", "pain": "3", f"sets_{programme.items[0].exercise_id}": "2"}
    saved = client.submit(f"{check_in_link}/check-in", entry, page=check_in_link)
    assert saved.status_code == 302
    assert "pain 3/10" in client.get(saved.headers["Location"]).text


def test_turning_reminders_off_on_the_page_stops_them(client, prescribed, smtp_server):
    choose(client, prescribed[2])
    choose(client, prescribed[2], enabled="")
    assert send_due(SEVEN_PM_ON_DST_DAY)[0] == 0
    assert reminders(smtp_server) == []


def test_no_reminder_once_the_programme_is_replaced_without_a_current_one(client, prescribed, smtp_server):
    _, programme, token = prescribed
    choose(client, token)
    programme.replaced_at = utcnow()
    db.session.commit()
    assert send_due(SEVEN_PM_ON_DST_DAY)[0] == 0


def test_the_setting_form_rejects_a_time_not_on_the_list_next_to_the_field(client, prescribed):
    visit, _, _ = prescribed
    user = make_user(Role.PATIENT, email=visit.patient.email)
    visit.patient.user_id = user.id
    db.session.commit()
    client.login(user.email)
    response = client.submit("/my/reminders", {"enabled": "y", "remind_at": "19:07"}, page="/my/")
    assert response.status_code == 422
    assert re.search(r'id="remind_at-error">Choose a time from the list\.<', response.text)
    assert db.session.scalar(select(CheckInReminder)) is None

    saved = client.submit("/my/reminders", {"enabled": "y", "remind_at": "07:30"}, page="/my/")
    assert saved.status_code == 302
    assert "Reminders are on: we e-mail you at 7:30 AM" in client.get("/my/").text
    setting = db.session.scalar(select(CheckInReminder))
    assert (setting.enabled, setting.minutes_after_midnight) == (True, 450)


def test_an_old_programme_link_cannot_set_reminders(client, prescribed):
    _, programme, token = prescribed
    programme.replaced_at = utcnow()
    db.session.commit()
    assert client.post(f"/my/programme/{token}/reminders", data={"remind_at": "19:00"}).status_code in (400, 404)


@pytest.mark.parametrize(
    ("now", "due"),
    [
        (SEVEN_PM_ON_DST_DAY - MINUTE, None),
        (SEVEN_PM_ON_DST_DAY, DST_DAY),
        (SEVEN_PM_ON_DST_DAY + 119 * MINUTE, DST_DAY),
        (SEVEN_PM_ON_DST_DAY + 120 * MINUTE, None),
        # 1 November 2026, when the clocks go back: 6:59 PM PST (7:59 PM on the summer offset) ...
        (datetime(2026, 11, 2, 2, 59, tzinfo=UTC), None),
        (datetime(2026, 11, 2, 3, 0, tzinfo=UTC), date(2026, 11, 1)),  # ... and 7:00 PM PST
    ],
)
def test_a_reminder_is_due_from_the_chosen_wall_clock_time_for_two_hours(now, due):
    assert reminder_date(19 * 60, "America/Los_Angeles", now) == due


@pytest.mark.parametrize("role", [Role.PRACTITIONER, Role.CLINIC_MANAGER, Role.HEAD_OFFICE, Role.ADMIN])
def test_only_patients_set_reminders_on_my_page(client, prescribed, role):
    client.login(make_user(role, clinics=(prescribed[0].clinic,)).email)
    response = client.submit("/my/reminders", {"enabled": "y", "remind_at": "19:00"}, page="/")
    assert response.status_code == 403
    assert db.session.scalar(select(CheckInReminder)) is None


def test_a_patient_without_a_programme_has_no_reminder_form(client, app):
    user = make_user(Role.PATIENT)
    client.login(user.email)
    page = client.get("/my/")
    assert page.status_code == 200 and "Daily reminder" not in page.text
    assert client.submit("/my/reminders", {"enabled": "y", "remind_at": "19:00"}, page="/my/").status_code == 404


def test_a_made_up_stop_link_is_not_found(client, prescribed):
    choose(client, prescribed[2])
    assert client.get("/my/reminders/stop/not-a-real-token").status_code == 404
    assert client.get(f"/my/reminders/stop/{prescribed[2]}").status_code == 404  # the programme's token is not it
