"""The head-office rollout pipeline: stages, milestones that turn late in the clinic's own
calendar, and the opening that makes a clinic bookable and tells each nearby sign-up once."""

from __future__ import annotations

import re
import threading
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import func, select, text

from clinic_app.accounts.models import CLINIC_ROLES, Role
from clinic_app.clinics.models import Clinic
from clinic_app.clinics.search import find_nearest_clinics
from clinic_app.demand.models import OpeningAlertSignup
from clinic_app.demand.service import sign_up_for_opening_alert, unsubscribe
from clinic_app.errors import Conflict
from clinic_app.extensions import db
from clinic_app.notifications.cli import send_due
from clinic_app.notifications.models import OutboxMessage
from clinic_app.rollout import service as rollout_service
from clinic_app.rollout.announcements import BATCH_SIZE, announce_opening, unwritten_announcements
from clinic_app.rollout.models import ClinicRollout, OpeningAnnouncement, RolloutMilestone, RolloutStage
from clinic_app.rollout.opening import open_clinic
from clinic_app.rollout.rules import OpeningReadiness, is_late, missing_for_opening, next_stage
from tests.factories import make_clinic, make_practitioner, make_service, make_user

NOW = datetime(2026, 3, 3, 15, 0, tzinfo=UTC)
OPENED_SUBJECT = "Back Solution is now open in Omaha"
RADIUS = 50


def make_rollout(clinic=None, stage=RolloutStage.SOFT_OPENING, **clinic_fields) -> ClinicRollout:
    clinic = clinic or make_clinic(status="coming_soon", city="Omaha", state="NE", zip_code="68102", **clinic_fields)
    rollout = ClinicRollout(clinic=clinic, stage=stage)
    db.session.add(rollout)
    db.session.commit()
    return rollout


def make_ready_rollout(**clinic_fields) -> ClinicRollout:
    """A clinic in soft opening with hours, a practitioner working there and a service."""
    rollout = make_rollout(**clinic_fields)
    service = make_service(clinics=[rollout.clinic])
    make_practitioner(rollout.clinic, services=[service])
    return rollout


def make_milestone(rollout, title="Sign the lease", due_on=date(2026, 3, 2), **fields) -> RolloutMilestone:
    milestone = RolloutMilestone(rollout=rollout, title=title, stage=fields.pop("stage", rollout.stage),
                                 due_on=due_on, owner_name=fields.pop("owner_name", "Pat Contractor"), **fields)
    db.session.add(milestone)
    db.session.commit()
    return milestone


def sign_up(email: str, zip_code: str) -> OpeningAlertSignup:
    signup = sign_up_for_opening_alert(email, zip_code, NOW)
    db.session.commit()
    return signup


def opening_emails() -> list[OutboxMessage]:
    return list(db.session.scalars(select(OutboxMessage).where(OutboxMessage.subject == OPENED_SUBJECT)))


def press_advance(client, url: str, stage: str | None = None, **kwargs):
    """Press the page's "Move to ..." or "Open ..." button as a browser does: it posts the stage
    the page showed (``stage`` stands in for a page loaded earlier)."""
    if stage is None:
        stage = re.search(r'name="stage" value="([^"]+)"', client.get(url).get_data(as_text=True)).group(1)
    return client.submit(f"{url}/advance", {"stage": stage}, page=url, **kwargs)


def login_head_office(client):
    user = make_user(Role.HEAD_OFFICE, email="ho@example.com", full_name="Harper Office")
    client.login(user.email)
    return user


# --- rules -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "due_on, done_on, late",
    [
        (date(2026, 3, 2), None, True),  # due yesterday, not done
        (date(2026, 3, 3), None, False),  # due today: still time
        (date(2026, 3, 4), None, False),
        (date(2026, 3, 1), date(2026, 3, 2), False),  # done late is done
    ],
)
def test_a_milestone_is_late_only_after_its_due_day_and_while_not_done(due_on, done_on, late):
    assert is_late(due_on, done_on, today=date(2026, 3, 3)) is late


def test_stages_run_in_order_and_stop_at_open():
    assert next_stage("prospect") == RolloutStage.SITE_SELECTED
    assert next_stage("soft_opening") == RolloutStage.OPEN
    assert next_stage("open") is None


def test_the_opening_checklist_names_everything_missing():
    assert missing_for_opening(OpeningReadiness(False, 0, 0)) == [
        "Set the clinic's opening hours.",
        "Give at least one practitioner weekly hours at the clinic.",
        "Offer at least one service at the clinic.",
    ]
    assert missing_for_opening(OpeningReadiness(True, 1, 1)) == []


def test_lateness_follows_the_clinics_own_calendar(app):
    # 05:00 UTC on the 3rd is still the 2nd in Honolulu, already the 3rd in New York.
    early = datetime(2026, 3, 3, 5, 0, tzinfo=UTC)
    honolulu = make_rollout(make_clinic(status="planned", city="Honolulu", state="HI", zip_code="96813"))
    new_york = make_rollout(make_clinic(status="planned"))
    for rollout in (honolulu, new_york):
        make_milestone(rollout, due_on=date(2026, 3, 2))
    assert [len(rollout_service.rollout_card(r, early).late) for r in (honolulu, new_york)] == [0, 1]


# --- access and pages ---------------------------------------------------------------------

PAGES = ["/headoffice/rollout", "/headoffice/rollout/timeline", "/headoffice/rollout/{clinic}",
         "/headoffice/rollout/{clinic}/milestones/{milestone}"]


@pytest.mark.parametrize("page", PAGES)
@pytest.mark.parametrize("role, status", [(Role.PATIENT, 403), (Role.PRACTITIONER, 403),
                                          (Role.CLINIC_MANAGER, 403), (Role.HEAD_OFFICE, 200), (Role.ADMIN, 200)])
def test_only_head_office_and_admin_see_the_rollout_pages(client, page, role, status):
    rollout = make_rollout()
    url = page.format(clinic=rollout.clinic_id, milestone=make_milestone(rollout).id)
    assert client.get(url).status_code == 302  # anonymous: to the login page
    client.login(make_user(role, clinics=(rollout.clinic,) if role in CLINIC_ROLES else ()).email)
    response = client.get(url)
    assert response.status_code == status
    assert response.headers["Cache-Control"] == "no-store"


def test_a_clinic_manager_cannot_move_or_open_their_clinics_rollout(client):
    rollout = make_ready_rollout()
    manager = make_user(Role.CLINIC_MANAGER, clinics=(rollout.clinic,))
    client.login(manager.email)
    response = client.submit(f"/headoffice/rollout/{rollout.clinic_id}/advance", {}, page="/")  # any page's token
    assert response.status_code == 403
    db.session.expire_all()
    assert db.session.get(Clinic, rollout.clinic_id).status == "coming_soon"


def test_a_clinic_without_a_rollout_or_someone_elses_milestone_is_not_found(client):
    login_head_office(client)
    rollout, other = make_rollout(), make_rollout(make_clinic(status="planned"))
    assert client.get(f"/headoffice/rollout/{make_clinic(status='planned').id}").status_code == 404
    elsewhere = make_milestone(other)
    assert client.get(f"/headoffice/rollout/{rollout.clinic_id}/milestones/{elsewhere.id}").status_code == 404


def test_the_board_shows_each_clinic_under_its_stage_and_says_which_are_late(app, client, monkeypatch):
    monkeypatch.setattr("clinic_app.clock.utcnow", lambda: NOW)
    login_head_office(client)
    late = make_rollout(make_clinic(name="Lateville Clinic", status="planned"), stage=RolloutStage.LEASE_SIGNED)
    make_milestone(late, "Get the keys", due_on=date(2026, 2, 27))
    make_rollout(make_clinic(name="Ontime Clinic", status="coming_soon"), stage=RolloutStage.HIRING)

    page = client.get("/headoffice/rollout").get_data(as_text=True)
    lease = page.split('id="stage-lease_signed"')[1].split('id="stage-fit_out"')[0]
    hiring = page.split('id="stage-hiring"')[1].split('id="stage-soft_opening"')[0]
    assert "Lateville Clinic" in lease and "Late: 1 milestone overdue" in lease
    assert "Ontime Clinic" in hiring and "Late" not in hiring


def test_the_timeline_lists_milestones_by_due_date_with_late_ones_in_words(client, monkeypatch):
    monkeypatch.setattr("clinic_app.clock.utcnow", lambda: NOW)
    login_head_office(client)
    rollout = make_rollout(stage=RolloutStage.FIT_OUT)
    make_milestone(rollout, "Paint the walls", due_on=date(2026, 3, 20))
    make_milestone(rollout, "Order the couches", due_on=date(2026, 2, 28))
    make_milestone(rollout, "Fit the sinks", due_on=date(2026, 3, 1), done_on=date(2026, 3, 1))

    page = client.get("/headoffice/rollout/timeline").get_data(as_text=True)
    assert re.findall(r"<td>(Paint the walls|Order the couches|Fit the sinks)</td>", page) == [
        "Order the couches", "Fit the sinks", "Paint the walls"]
    assert "Late by 3 days" in page and "Done 2026-03-01" in page


def test_head_office_starts_a_rollout_for_a_planned_clinic_only_once(client):
    login_head_office(client)
    clinic = make_clinic(name="Newtown Clinic", status="planned")
    make_clinic(name="Already Open Clinic", status="open")
    board = client.get("/headoffice/rollout").get_data(as_text=True)
    assert "Newtown Clinic (Planned)" in board and "Already Open Clinic" not in board

    response = client.submit("/headoffice/rollout", {"clinic_id": clinic.id})
    assert response.status_code == 302
    assert db.session.scalar(select(ClinicRollout.stage).where(ClinicRollout.clinic_id == clinic.id)) == "prospect"
    with pytest.raises(Conflict):
        rollout_service.start_rollout(clinic.id, NOW)


def test_milestones_are_added_edited_and_marked_done(client, monkeypatch):
    monkeypatch.setattr("clinic_app.clock.utcnow", lambda: NOW)
    owner = login_head_office(client)
    rollout = make_rollout(stage=RolloutStage.HIRING)
    url = f"/headoffice/rollout/{rollout.clinic_id}"
    response = client.submit(f"{url}/milestones", {"title": "Hire two practitioners", "stage": "hiring",
                                                   "owner_user_id": owner.id, "due_on": "2026-03-10"}, page=url)
    assert response.status_code == 302
    milestone = db.session.scalar(select(RolloutMilestone))
    assert (milestone.title, milestone.owner_label, milestone.due_on) == (
        "Hire two practitioners", "Harper Office", date(2026, 3, 10))

    edit = f"{url}/milestones/{milestone.id}"
    client.submit(edit, {"title": "Hire three practitioners", "stage": "hiring", "owner_user_id": "",
                         "owner_name": "Recruiter Ltd", "due_on": "2026-03-12", "notes": "One speaks Spanish."})
    client.submit(f"{edit}/done", {}, page=url)
    db.session.expire_all()
    milestone = db.session.get(RolloutMilestone, milestone.id)
    assert (milestone.title, milestone.owner_label, milestone.done_on) == (
        "Hire three practitioners", "Recruiter Ltd", date(2026, 3, 3))
    assert "Done 2026-03-03" in client.get(url).get_data(as_text=True)


@pytest.mark.parametrize(
    "form, field, message",
    [
        ({"title": "", "due_on": "2026-03-10", "owner_name": "A"}, "title", "Enter what has to be done."),
        ({"title": "Keys", "due_on": "", "owner_name": "A"}, "due_on", "Enter the due date."),
        ({"title": "Keys", "due_on": "2026-02-30", "owner_name": "A"}, "due_on", "Not a valid date value."),
        ({"title": "Keys", "due_on": "2026-03-10", "owner_name": ""}, "owner_name",
         "Choose an owner or write their name."),
        ({"title": "Keys", "due_on": "2026-03-10", "owner_user_id": "999"}, "owner_user_id",
         "Choose one of the listed people."),
    ],
)
def test_a_bad_milestone_shows_the_error_beside_its_field_and_saves_nothing(client, form, field, message):
    login_head_office(client)
    rollout = make_rollout()
    url = f"/headoffice/rollout/{rollout.clinic_id}"
    response = client.submit(f"{url}/milestones", {"stage": "fit_out", **form}, page=url)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert re.search(rf'id="{field}-error">[^<]*{re.escape(message)}', page), page
    assert db.session.scalar(select(func.count()).select_from(RolloutMilestone)) == 0


def test_notes_are_saved_on_the_clinics_rollout(client):
    login_head_office(client)
    rollout = make_rollout()
    url = f"/headoffice/rollout/{rollout.clinic_id}"
    client.submit(f"{url}/notes", {"notes": "Landlord prefers calls after 10."}, page=url)
    assert "Landlord prefers calls after 10." in client.get(url).get_data(as_text=True)


def test_moving_on_goes_one_stage_at_a_time(client):
    login_head_office(client)
    rollout = make_rollout(stage=RolloutStage.PROSPECT)
    url = f"/headoffice/rollout/{rollout.clinic_id}"
    for expected in ("site_selected", "lease_signed"):
        press_advance(client, url)
        db.session.expire_all()
        assert db.session.get(ClinicRollout, rollout.id).stage == expected


def test_a_double_click_from_hiring_moves_one_stage_and_opens_nothing(client, runner, smtp_server):
    login_head_office(client)
    rollout = make_ready_rollout(stage=RolloutStage.HIRING)
    sign_up("near@example.com", "68104")
    runner.invoke(args=["outbox", "send"])  # the sign-up's confirmation
    smtp_server.wait_for(1)
    smtp_server.messages.clear()
    url = f"/headoffice/rollout/{rollout.clinic_id}"

    first = press_advance(client, url, stage="hiring")
    second = press_advance(client, url, stage="hiring", follow_redirects=True)  # the same page, pressed again
    assert first.status_code == 302
    assert ("has already moved on to Soft opening, so nothing was changed" in
            second.get_data(as_text=True))
    db.session.expire_all()
    assert db.session.get(ClinicRollout, rollout.id).stage == "soft_opening"
    assert db.session.get(Clinic, rollout.clinic_id).status == "coming_soon"
    runner.invoke(args=["outbox", "send"])
    assert opening_emails() == [] and smtp_server.wait_for(1, timeout=0.5) == []


# --- opening ------------------------------------------------------------------------------


def test_opening_is_refused_with_the_missing_items_listed_and_nothing_changes(client):
    login_head_office(client)
    rollout = make_rollout(hours=())
    sign_up("near@example.com", "68104")
    url = f"/headoffice/rollout/{rollout.clinic_id}"
    response = press_advance(client, url)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    for missing in ("Set the clinic&#39;s opening hours.", "Give at least one practitioner weekly hours",
                    "Offer at least one service"):
        assert missing in page
    db.session.expire_all()
    assert db.session.get(Clinic, rollout.clinic_id).status == "coming_soon"
    assert db.session.get(ClinicRollout, rollout.id).stage == "soft_opening"
    assert opening_emails() == []


def test_opening_makes_the_clinic_searchable_and_emails_each_nearby_signup_once(client, runner, smtp_server):
    login_head_office(client)
    rollout = make_ready_rollout()
    for email, zip_code in [("omaha@example.com", "68104"), ("bluffs@example.com", "51501"),
                            ("lincoln@example.com", "68508"), ("nyc@example.com", "10001"),
                            ("gone@example.com", "68046")]:
        sign_up(email, zip_code)
    unsubscribe(db.session.scalar(select(OpeningAlertSignup).where(OpeningAlertSignup.email == "gone@example.com")))
    db.session.commit()
    runner.invoke(args=["outbox", "send"])  # the sign-up confirmations
    smtp_server.wait_for(5)
    smtp_server.messages.clear()

    url = f"/headoffice/rollout/{rollout.clinic_id}"
    response = press_advance(client, url, follow_redirects=True)
    assert "is open: patients can find and book it. 2 people who asked" in response.get_data(as_text=True)
    runner.invoke(args=["outbox", "send"])
    messages = smtp_server.wait_for(2)
    # Council Bluffs (3.9 mi) and Omaha (3.8 mi); not Lincoln (50.2 mi), New York or the unsubscribed.
    assert sorted(m["To"] for m in messages) == ["bluffs@example.com", "omaha@example.com"]
    body = messages[0].get_payload(decode=True).decode()
    assert "/clinics/opening-alerts/unsubscribe/" in body and "/book/service?clinic=" in body

    lat, lng = 41.2, -95.95  # Omaha
    assert rollout.clinic_id in [n.clinic.id for n in find_nearest_clinics(lat, lng, radius_miles=10)]
    again = press_advance(client, url, stage="soft_opening", follow_redirects=True)  # a second press
    assert "is already open" in again.get_data(as_text=True)
    runner.invoke(args=["outbox", "send"])
    assert len(smtp_server.wait_for(3, timeout=0.5)) == 2


def test_announcing_the_same_opening_twice_queues_nothing_the_second_time(app):
    rollout = make_ready_rollout()
    sign_up("omaha@example.com", "68104")
    assert announce_opening(rollout.clinic, NOW, RADIUS) == 1
    db.session.commit()
    send_due(NOW)  # the worker writes the e-mail
    db.session.execute(OpeningAlertSignup.__table__.update().values(notified_at=None))  # even if the flag were lost
    db.session.commit()
    assert announce_opening(rollout.clinic, NOW, RADIUS) == 0
    db.session.commit()
    send_due(NOW)
    assert len(opening_emails()) == 1


def test_one_person_signed_up_for_two_nearby_zip_codes_gets_one_email(app):
    rollout = make_ready_rollout()
    sign_up("twice@example.com", "68104")
    sign_up("twice@example.com", "51501")
    open_clinic(rollout.id, NOW, RADIUS)
    db.session.commit()
    send_due(NOW)
    assert [m.recipient for m in opening_emails()] == ["twice@example.com"]


def test_a_signup_told_about_one_opening_is_not_emailed_again_for_the_next(app):
    first = make_ready_rollout()
    second = make_ready_rollout()
    sign_up("once@example.com", "68104")
    for rollout in (first, second):
        open_clinic(rollout.id, NOW, RADIUS)
        db.session.commit()
        send_due(NOW)
    assert len(opening_emails()) == 1


def test_two_head_office_requests_racing_to_open_send_each_email_once(app):
    rollout = make_ready_rollout()
    for n, zip_code in enumerate(["68104", "51501", "68046"]):
        sign_up(f"racer{n}@example.com", zip_code)
    rollout_id, start, outcomes = rollout.id, threading.Barrier(2), []

    def press_open():
        with app.app_context():
            start.wait()
            try:
                result = open_clinic(rollout_id, NOW, RADIUS)
                db.session.commit()
                outcomes.append(result.announced)
            except Conflict:
                db.session.rollback()
                outcomes.append("already open")
            finally:
                db.session.remove()

    threads = [threading.Thread(target=press_open) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes, key=str) == [3, "already open"]
    send_due(NOW)
    assert len(opening_emails()) == 3
    assert db.session.scalar(select(func.count()).select_from(OpeningAnnouncement)) == 3


def test_two_workers_racing_write_each_opening_email_once(app):
    rollout = make_ready_rollout()
    for n in range(60):
        sign_up(f"worker{n}@example.com", ["68104", "51501", "68046"][n % 3])
    open_clinic(rollout.id, NOW, RADIUS)
    db.session.commit()
    start = threading.Barrier(2)

    def run_worker():
        with app.app_context():
            start.wait()
            try:
                send_due(NOW)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=run_worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    db.session.commit()  # see what the threads committed
    recipients = [m.recipient for m in opening_emails()]
    assert len(recipients) == len(set(recipients)) == 60


def test_someone_who_unsubscribes_after_the_opening_but_before_the_email_is_written_gets_none(app):
    rollout = make_ready_rollout()
    sign_up("stays@example.com", "68104")
    leaving = sign_up("leaves@example.com", "51501")
    assert open_clinic(rollout.id, NOW, RADIUS).announced == 2
    db.session.commit()
    unsubscribe(leaving)
    db.session.commit()
    send_due(NOW)
    assert [m.recipient for m in opening_emails()] == ["stays@example.com"]



def test_someone_who_unsubscribed_before_the_email_and_signs_up_again_hears_of_the_next_opening(app):
    """Their claim on the first opening was dropped unwritten: the sign-up is free again."""
    first, second = make_ready_rollout(), make_ready_rollout()
    undecided = sign_up("undecided@example.com", "68104")
    open_clinic(first.id, NOW, RADIUS)
    db.session.commit()
    unsubscribe(undecided)
    db.session.commit()
    send_due(NOW)
    sign_up("undecided@example.com", "68104")
    open_clinic(second.id, NOW, RADIUS)
    db.session.commit()
    send_due(NOW)
    [email] = opening_emails()
    assert f"{second.clinic.name} is now open" in email.body_text
    assert f"{first.clinic.name} is now open" not in email.body_text


def test_the_worker_finds_the_emails_still_to_write_by_index_without_reading_every_announcement(app):
    """A pass runs every 10 seconds, forever, while nearly every announcement was written long
    ago. (PostgreSQL reads a table this small whole anyway: told not to, it must find an index.)"""
    sql = str(unwritten_announcements(BATCH_SIZE).compile(db.engine, compile_kwargs={"literal_binds": True}))
    if db.engine.dialect.name == "sqlite":
        plan = " ".join(row[-1] for row in db.session.execute(text("EXPLAIN QUERY PLAN " + sql)))
    else:
        db.session.execute(text("SET LOCAL enable_seqscan = off"))
        plan = " ".join(row[0] for row in db.session.execute(text("EXPLAIN " + sql)))
    assert "ix_opening_announcements_unwritten" in plan


# --- dashboard and demo -------------------------------------------------------------------


def test_the_head_office_dashboard_counts_visits_of_the_next_30_days_but_not_cancelled_ones(client, monkeypatch):
    from tests.factories import make_booking

    past = make_booking(now=NOW - timedelta(days=3))
    coming = make_booking(now=NOW)
    cancelled = make_booking(now=NOW)
    later = make_booking(now=NOW + timedelta(days=31))
    cancelled.status, cancelled.cancelled_at = "cancelled", NOW
    db.session.commit()
    assert past.start_at < NOW <= coming.start_at < NOW + timedelta(days=30) <= later.start_at
    monkeypatch.setattr("clinic_app.clock.utcnow", lambda: NOW)
    login_head_office(client)
    page = client.get("/headoffice/").get_data(as_text=True)
    assert "Visits booked across the network for the next 30 days (not cancelled): <strong>1</strong>" in page


def test_the_demo_pipeline_has_a_clinic_at_every_stage_some_late_and_one_ready_to_open(app):
    from clinic_app.demo.seed import seed_demo_clinics, seed_demo_schedules, seed_demo_users
    from clinic_app.rollout.opening import opening_readiness

    seed_demo_clinics()
    seed_demo_users("demo-password-for-tests")
    seed_demo_schedules("demo-password-for-tests")
    db.session.commit()
    board = rollout_service.rollout_board(datetime.now(UTC))
    assert all(cards for _, cards in board), [stage for stage, cards in board if not cards]
    assert sum(len(card.late) for _, cards in board for card in cards) == 4  # Anchorage, St. Louis, Omaha, Cleveland
    [soft] = dict(board)[RolloutStage.SOFT_OPENING]
    assert missing_for_opening(opening_readiness(soft.rollout.clinic_id)) == []

    counts = (ClinicRollout, RolloutMilestone, OpeningAlertSignup)
    before = [db.session.scalar(select(func.count()).select_from(model)) for model in counts]
    seed_demo_schedules("demo-password-for-tests")
    db.session.commit()
    assert [db.session.scalar(select(func.count()).select_from(model)) for model in counts] == before
