"""Early warning on /practice/: the patients at risk of dropping their home programme, the alerts
that need a call today, acknowledging an alert and nudging a patient by e-mail."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta

import pytest
from flask import current_app
from sqlalchemy import event, func, insert, inspect, select

from clinic_app.accounts.models import Role, User
from clinic_app.adherence.early_warning import early_warning
from clinic_app.adherence.models import (
    AdherenceNudge,
    CheckInAlertAcknowledgement,
    CheckInExercise,
    ExerciseCheckIn,
)
from clinic_app.adherence.nudges import acknowledge_alert
from clinic_app.adherence.rules import AlertReason, RiskReason
from clinic_app.audit.models import AuditEvent
from clinic_app.audit.service import Actor
from clinic_app.clinics.rules import local_date
from clinic_app.clock import utcnow
from clinic_app.extensions import db
from clinic_app.notifications.models import OutboxMessage
from clinic_app.notifications.service import deliver_pending
from clinic_app.treatments.library import seed_exercise_library
from clinic_app.treatments.programmes import Dose, exercise_library, prescribe_programme
from tests.factories import make_booking, make_clinic, make_practitioner, make_service, make_user

QUIET = RiskReason.QUIET
FLAT = RiskReason.NOT_IMPROVING
WORSE_AFTER = RiskReason.WORSE_AFTER_EXERCISE


class Practice:
    """Clinic A with practitioners Ann and Bo and a manager; clinic B with practitioner Cy."""

    def __init__(self):
        seed_exercise_library()
        self.clinic = make_clinic(name="Clinic A")
        self.service = make_service(clinics=[self.clinic], slug="follow-up")
        self.ann = make_practitioner(self.clinic, services=[self.service], display_name="Ann Physio")
        self.bo = make_practitioner(self.clinic, services=[self.service], display_name="Bo Physio")
        self.manager = make_user(Role.CLINIC_MANAGER, clinics=(self.clinic,))
        self.other_clinic = make_clinic(name="Clinic B")
        self.other_service = make_service(clinics=[self.other_clinic])
        self.cy = make_practitioner(self.other_clinic, services=[self.other_service], display_name="Cy Physio")
        self.now = utcnow()
        self.today = local_date(self.clinic.timezone, self.now)
        self.exercise = exercise_library()[0]

    def patient(self, name: str, seen_by, prescribed_by=None, clinic=None, service=None, days_ago=10, **patient):
        """A patient seen a week ago by ``seen_by`` with a programme prescribed ``days_ago``."""
        first, last = name.split()
        details = dict(first_name=first, last_name=last, email=f"{first.lower()}@patients.example",
                       date_of_birth=date(1980, 1, 1), **patient)
        visit = make_booking(clinic or self.clinic, service or self.service, seen_by, **details)
        prescriber = prescribed_by or seen_by
        programme, _ = prescribe_programme(Actor(prescriber.user), visit.patient, prescriber,
                                           [Dose(self.exercise.id, 2, 10)], "", self.now - timedelta(days=days_ago))
        db.session.commit()
        return programme, details

    def check_ins(self, programme, *entries):
        """Entries (days ago, pain, feeling or None, exercised)."""
        for days_ago, pain, feeling, exercised in entries:
            entry = ExerciseCheckIn(patient_id=programme.patient_id, programme_id=programme.id, pain=pain,
                                    on_date=self.today - timedelta(days=days_ago), feeling=feeling,
                                    created_at=self.now, updated_at=self.now)
            entry.exercises.append(CheckInExercise(exercise_id=self.exercise.id, sets_done=2 if exercised else 0))
            db.session.add(entry)
        db.session.commit()

    def book_next_visit(self, details: dict, practitioner):
        make_booking(self.clinic, self.service, practitioner, now=self.now + timedelta(days=1), **details)


@pytest.fixture
def practice(app):
    return Practice()


def at_risk(user, now) -> list[tuple[str, list[RiskReason]]]:
    return [(risk.care.patient.full_name, risk.reasons) for risk in early_warning(user, now).at_risk]


def alerts(user, now) -> list[tuple[str, list[AlertReason]]]:
    return [(alert.care.patient.full_name, alert.reasons) for alert in early_warning(user, now).alerts]


@pytest.fixture
def histories(practice):
    """Hand-built check-in histories, one patient per case."""
    p = practice
    quiet, _ = p.patient("Quinn Quiet", p.ann)
    p.check_ins(quiet, (4, 5, "better", True))
    flat, _ = p.patient("Fay Flat", p.ann)
    p.check_ins(flat, (2, 5, "better", True), (1, 5, "same", True), (0, 6, "same", True))
    worse, _ = p.patient("Will Worse", p.ann)
    p.check_ins(worse, (1, 6, "better", True), (0, 5, "worse", True))
    p.patient("Nell Never", p.ann, days_ago=3)
    improving, _ = p.patient("Ida Improving", p.ann)
    p.check_ins(improving, (2, 6, "better", True), (1, 5, "better", True), (0, 4, "better", True))
    booked, details = p.patient("Bea Booked", p.ann)
    p.book_next_visit(details, p.ann)
    p.patient("Ben Bos", p.bo)
    p.patient("Sam Shared", p.ann, prescribed_by=p.bo)
    p.patient("Eli Elsewhere", p.cy, clinic=p.other_clinic, service=p.other_service)
    return practice


def test_a_practitioner_sees_their_own_patients_at_risk_with_the_reasons(histories):
    p = histories
    assert at_risk(p.ann.user, p.now) == [
        ("Sam Shared", [QUIET]),  # seen by Ann last, though Bo prescribed: 10 days without a check-in
        ("Quinn Quiet", [QUIET]),
        ("Nell Never", [QUIET]),
        ("Fay Flat", [FLAT]),
        ("Will Worse", [WORSE_AFTER]),
    ]


def test_the_prescriber_sees_the_patient_too_and_never_another_clinics(histories):
    p = histories
    assert at_risk(p.bo.user, p.now) == [("Ben Bos", [QUIET]), ("Sam Shared", [QUIET])]
    assert at_risk(p.cy.user, p.now) == [("Eli Elsewhere", [QUIET])]


def test_a_clinic_manager_sees_the_whole_clinic_and_nothing_of_another(histories):
    p = histories
    assert [name for name, _ in at_risk(p.manager, p.now)] == [
        "Ben Bos", "Sam Shared", "Quinn Quiet", "Nell Never", "Fay Flat", "Will Worse",
    ]


def test_head_office_and_patients_get_no_early_warning(histories):
    p = histories
    for role in (Role.HEAD_OFFICE, Role.ADMIN, Role.PATIENT):
        warning = early_warning(make_user(role), p.now)
        assert (warning.alerts, warning.at_risk) == ([], [])


def test_pain_of_nine_or_worse_twice_raises_an_alert_and_lesser_trouble_does_not(practice):
    p = practice
    severe, _ = p.patient("Sev Severe", p.ann)
    p.check_ins(severe, (1, 4, "better", True), (0, 9, None, False))
    twice, _ = p.patient("Tom Twice", p.ann)
    p.check_ins(twice, (2, 4, "worse", True), (1, 5, "worse", True))
    both, details = p.patient("Bob Both", p.ann)
    p.check_ins(both, (1, 7, "worse", True), (0, 10, "worse", True))
    p.book_next_visit(details, p.ann)  # a booked visit does not silence an alert
    once, _ = p.patient("Ona Once", p.ann)
    p.check_ins(once, (1, 8, "better", True), (0, 8, "worse", True))
    theirs, _ = p.patient("Tia Theirs", p.bo)
    p.check_ins(theirs, (0, 10, None, False))

    assert alerts(p.ann.user, p.now) == [
        ("Bob Both", [AlertReason.SEVERE_PAIN, AlertReason.WORSE_TWICE]),  # today's, by name
        ("Sev Severe", [AlertReason.SEVERE_PAIN]),
        ("Tom Twice", [AlertReason.WORSE_TWICE]),
    ]
    assert alerts(p.bo.user, p.now) == [("Tia Theirs", [AlertReason.SEVERE_PAIN])]


def count_queries(user_id: int, now: datetime) -> int:
    db.session.commit()
    db.session.expire_all()
    user = db.session.get(User, user_id)
    statements = []

    def count(*_):
        statements.append(1)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        early_warning(user, now)
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    return len(statements)


def test_the_dashboard_costs_the_same_few_queries_for_one_patient_or_many(practice):
    p = practice
    first, _ = p.patient("Una One", p.ann)
    p.check_ins(first, (0, 9, "worse", True))
    with_one = count_queries(p.ann.user.id, p.now)
    for name in ("Two Two", "Tre Three", "For Four", "Fiv Five"):
        programme, _ = p.patient(name, p.ann)
        p.check_ins(programme, (5, 9, "worse", True), (4, 6, "worse", True))
    # Each of the four: "worse" twice on the latest, and the earlier pain 9 not yet acknowledged.
    assert len(early_warning(db.session.get(User, p.ann.user.id), p.now).alerts) == 1 + 4 * 2
    assert count_queries(p.ann.user.id, p.now) == with_one <= 9


def test_the_dashboard_lists_alerts_first_then_patients_at_risk_with_links_to_the_chart(client, practice):
    p = practice
    quiet, _ = p.patient("Quinn Quiet", p.ann)
    p.check_ins(quiet, (4, 5, "better", True))
    severe, _ = p.patient("Sev Severe", p.ann)
    p.check_ins(severe, (0, 9, "worse", True))
    client.login(p.ann.user.email)
    page = client.get("/practice/").text
    assert page.index("Alerts") < page.index("Patients at risk") < page.index("Your clinics")
    alerts_part, risk_part = page.split('id="at-risk"')
    assert "Sev Severe" in alerts_part and "Pain 9/10" in alerts_part
    assert f'href="/practice/patients/{quiet.patient_id}">Quinn Quiet</a>' in risk_part
    assert "No check-in for 4 days" in risk_part
    assert f"Last check-in: {(p.today - timedelta(days=4)).strftime('%a %-d %b')}" in risk_part
    # Sev's latest check-in was "worse" after exercising: at risk too.
    assert "Felt worse after exercising at the last check-in" in risk_part


def test_with_nothing_to_report_the_dashboard_says_so(client, practice):
    client.login(practice.ann.user.email)
    page = client.get("/practice/").text
    assert "No alerts." in page and "Nobody at risk." in page


def acknowledge(client, check_in_id: int, action_taken: str = "Called the patient; visit booked"):
    return client.submit(f"/practice/alerts/{check_in_id}/acknowledge", {"action_taken": action_taken},
                         page="/practice/")


def latest_entry(programme) -> ExerciseCheckIn:
    return db.session.scalar(select(ExerciseCheckIn).where(ExerciseCheckIn.programme_id == programme.id)
                             .order_by(ExerciseCheckIn.on_date.desc()).limit(1))


def test_an_acknowledged_alert_leaves_the_dashboard_until_a_newer_check_in_raises_it(client, practice):
    p = practice
    severe, _ = p.patient("Sev Severe", p.ann)
    p.check_ins(severe, (1, 9, None, False))
    client.login(p.ann.user.email)
    response = acknowledge(client, latest_entry(severe).id)
    assert response.status_code == 303
    assert "The alert for Sev Severe is acknowledged." in client.get(response.headers["Location"]).text
    assert alerts(p.ann.user, p.now) == []
    [audited] = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "acknowledge_alert"))
    assert (audited.actor_id, audited.patient_id) == (p.ann.user.id, severe.patient_id)

    p.check_ins(severe, (0, 9, None, False))
    assert alerts(p.ann.user, p.now) == [("Sev Severe", [AlertReason.SEVERE_PAIN])]


def test_changing_the_acknowledged_check_in_raises_the_alert_again(client, practice):
    p = practice
    severe, _ = p.patient("Sev Severe", p.ann)
    p.check_ins(severe, (0, 9, None, False))
    client.login(p.ann.user.email)
    acknowledge(client, latest_entry(severe).id)
    latest_entry(severe).updated_at = p.now + timedelta(minutes=5)  # the patient saves the day again
    db.session.commit()
    assert alerts(p.ann.user, p.now) == [("Sev Severe", [AlertReason.SEVERE_PAIN])]


def test_a_pain_9_alert_stays_until_acknowledged_even_after_a_lower_score(client, practice):
    p = practice
    severe, _ = p.patient("Sev Severe", p.ann)
    p.check_ins(severe, (2, 9, None, False), (1, 4, None, True), (0, 3, None, True))
    [alert] = early_warning(p.ann.user, p.now).alerts
    assert (alert.care.patient.full_name, alert.check_in.pain, alert.reasons) == (
        "Sev Severe", 9, [AlertReason.SEVERE_PAIN])
    client.login(p.ann.user.email)
    assert acknowledge(client, alert.check_in.id, action_taken=" ").status_code == 303
    assert len(early_warning(p.ann.user, p.now).alerts) == 1  # nothing said about what was done: kept
    acknowledge(client, alert.check_in.id)
    assert alerts(p.ann.user, p.now) == []
    [seen] = acknowledgements()
    assert (seen.acknowledged_by_id, seen.action_taken) == (p.ann.user.id, "Called the patient; visit booked")


@pytest.mark.parametrize(("pains", "flagged"), [((0, 0, 0), False), ((1, 2, 2), False), ((2, 2, 3), True),
                                                ((5, 5, 6), True)])
def test_low_pain_never_counts_as_not_improving(practice, pains, flagged):
    p = practice
    flat, _ = p.patient("Fay Flat", p.ann)
    p.check_ins(flat, *((2 - i, pain, "better", True) for i, pain in enumerate(pains)))
    assert (FLAT in dict(at_risk(p.ann.user, p.now)).get("Fay Flat", [])) is flagged


def test_an_at_risk_card_without_any_check_in_says_since_prescription(client, practice):
    p = practice
    p.patient("Nell Never", p.ann, days_ago=46)
    client.login(p.ann.user.email)
    page = client.get("/practice/").text
    assert "No check-in since the programme was prescribed 46 days ago" in page
    assert "No check-in for 46 days" not in page


def acknowledgements() -> list[CheckInAlertAcknowledgement]:
    db.session.expire_all()
    return list(db.session.scalars(select(CheckInAlertAcknowledgement)))


def test_acknowledging_an_alert_twice_keeps_one_acknowledgement(client, practice):
    p = practice
    severe, _ = p.patient("Sev Severe", p.ann)
    p.check_ins(severe, (0, 9, None, False))
    client.login(p.ann.user.email)
    entry_id = latest_entry(severe).id
    assert acknowledge(client, entry_id).status_code == 303
    assert acknowledge(client, entry_id).status_code == 303
    assert [seen.check_in_id for seen in acknowledgements()] == [entry_id]
    assert alerts(p.ann.user, p.now) == []


def test_a_click_that_loses_the_race_to_acknowledge_finds_the_alert_acknowledged(practice):
    """Another click inserts the acknowledgement between this one's look and its insert."""
    p = practice
    severe, _ = p.patient("Sev Severe", p.ann)
    p.check_ins(severe, (0, 9, None, False))
    entry = latest_entry(severe)
    raced = []

    @event.listens_for(db.session, "do_orm_execute")
    def other_click_inserts_after_the_look(state):
        if raced or not state.is_select or state.bind_mapper is not inspect(CheckInAlertAcknowledgement):
            return None
        looked = state.invoke_statement().freeze()
        raced.append(state.session.connection().execute(insert(CheckInAlertAcknowledgement).values(
            check_in_id=entry.id, entry_updated_at=entry.updated_at, acknowledged_by_id=p.manager.id,
            acknowledged_at=p.now)))
        return looked()

    try:
        seen = acknowledge_alert(Actor(p.ann.user), entry, p.now)
    finally:
        event.remove(db.session, "do_orm_execute", other_click_inserts_after_the_look)
    db.session.commit()
    assert raced
    assert [(s.id, s.check_in_id, s.acknowledged_by_id) for s in acknowledgements()] == [
        (seen.id, entry.id, p.ann.user.id)]
    assert alerts(p.ann.user, p.now) == []


def test_staff_cannot_acknowledge_or_nudge_patients_outside_their_care(client, histories):
    p = histories
    elsewhere = db.session.scalar(select(ExerciseCheckIn).limit(1))  # Quinn's, Ann's patient
    client.login(p.cy.user.email)
    assert acknowledge(client, elsewhere.id).status_code == 404
    assert nudge(client, elsewhere.patient_id).status_code == 404
    assert acknowledge(client, 999999).status_code == 404
    assert db.session.scalar(select(func.count()).select_from(AdherenceNudge)) == 0


@pytest.mark.parametrize("role", [Role.PATIENT, Role.HEAD_OFFICE, Role.ADMIN])
def test_other_roles_are_refused_the_early_warning_actions(client, histories, role):
    client.login(make_user(role).email)
    assert nudge(client, 1).status_code == 403
    assert acknowledge(client, 1).status_code == 403


def nudge(client, patient_id: int):
    return client.submit(f"/practice/patients/{patient_id}/nudge", {}, page="/practice/")


def test_a_nudge_emails_the_patient_once_with_a_rebooking_link_and_is_recorded(client, practice, smtp_server):
    p = practice
    quiet, details = p.patient("Quinn Quiet", p.ann)
    earlier = deliver_pending()  # the visit's confirmation and the programme
    client.login(p.ann.user.email)
    response = nudge(client, quiet.patient_id)
    assert response.status_code == 303 and response.headers["Location"].endswith("/practice/#at-risk")
    page = client.get("/practice/").text
    assert "A nudge with a rebooking link is on its way to Quinn Quiet." in page
    assert re.search(r"Nudged \d+ \w{3}, \d+:\d\d [AP]M\.", page)
    assert "Send a nudge<span class=\"visually-hidden\"> to Quinn Quiet" not in page

    again = nudge(client, quiet.patient_id)
    assert "was nudged less than a day ago; no second e-mail was sent" in client.get(again.headers["Location"]).text

    assert deliver_pending() == 1
    [mail] = [m for m in smtp_server.wait_for(earlier + 1) if m["Subject"] == "How are your exercises going?"]
    assert mail["To"] == details["email"]
    text = mail.get_payload(0).get_payload(decode=True).decode()
    site = current_app.config["PUBLIC_URL"]
    assert f"{site}/book/time?clinic={p.clinic.slug}&service=follow-up&practitioner={p.ann.id}" in text
    [link] = re.findall(rf"{re.escape(site)}/my/reminders/[\w-]+", text)  # today's check-in, no sign-in
    assert "Today's check-in" in client.get(link.removeprefix(site)).text
    [recorded] = db.session.scalars(select(AdherenceNudge))
    assert (recorded.patient_id, recorded.sent_by_id, recorded.clinic_id) == (
        quiet.patient_id, p.ann.user.id, p.clinic.id)
    assert db.session.scalar(select(func.count()).select_from(AuditEvent)
                             .where(AuditEvent.action == "nudge_patient")) == 1
    assert db.session.scalar(select(func.count()).select_from(OutboxMessage)
                             .where(OutboxMessage.subject == "How are your exercises going?")) == 1


def test_a_patient_can_be_nudged_again_after_a_day(practice):
    from clinic_app.adherence.early_warning import patients_in_care
    from clinic_app.adherence.nudges import NudgeTooSoon, nudge_patient

    p = practice
    quiet, _ = p.patient("Quinn Quiet", p.ann)
    actor = Actor(p.ann.user)
    [care] = patients_in_care(p.ann.user, p.now)
    nudge_patient(actor, care, p.now)
    with pytest.raises(NudgeTooSoon):
        nudge_patient(actor, care, p.now + timedelta(hours=23, minutes=59))
    nudge_patient(actor, care, p.now + timedelta(hours=24))
    assert db.session.scalar(select(func.count()).select_from(AdherenceNudge)) == 2


def test_anonymous_visitors_are_sent_to_log_in_and_nothing_is_sent(client, histories):
    for url in ("/practice/patients/1/nudge", "/practice/alerts/1/acknowledge"):
        response = client.submit(url, {}, page="/login")
        assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert db.session.scalar(select(func.count()).select_from(AdherenceNudge)) == 0


def test_the_rebooking_link_offers_a_follow_up_when_the_last_visit_was_for_new_patients(practice):
    from clinic_app.adherence.nudges import rebooking_url

    p = practice
    first_visit = make_service(clinics=[p.clinic], slug="first-visit", new_patients_only=True)
    both = make_practitioner(p.clinic, services=[first_visit, p.service])
    only_new = make_practitioner(p.clinic, services=[first_visit])
    site = current_app.config["PUBLIC_URL"]
    assert rebooking_url(p.clinic, both, first_visit) == (
        f"{site}/book/time?clinic={p.clinic.slug}&service=follow-up&practitioner={both.id}")
    assert rebooking_url(p.clinic, only_new, first_visit) == f"{site}/book/service?clinic={p.clinic.slug}"


def listed(patient_id: int | None = None) -> list[tuple[int, int]]:
    """(viewer, patient) of each dashboard listing in the audit trail."""
    query = select(AuditEvent.actor_id, AuditEvent.patient_id).where(AuditEvent.action == "list_early_warning")
    if patient_id is not None:
        query = query.where(AuditEvent.patient_id == patient_id)
    return [tuple(row) for row in db.session.execute(query.order_by(AuditEvent.id))]


def test_the_dashboard_audits_who_was_shown_each_patients_pain_scores_once_a_day(client, practice):
    p = practice
    severe, _ = p.patient("Sev Severe", p.ann)
    p.check_ins(severe, (0, 9, "worse", True))
    quiet, _ = p.patient("Quinn Quiet", p.ann)
    p.check_ins(quiet, (4, 5, "better", True))
    untroubled, _ = p.patient("Ida Improving", p.ann)
    p.check_ins(untroubled, (2, 6, "better", True), (1, 5, "better", True), (0, 4, "better", True))
    client.login(p.ann.user.email)
    client.get("/practice/")
    client.get("/practice/")  # again the same day: nothing new to record
    assert sorted(listed()) == sorted([(p.ann.user.id, severe.patient_id), (p.ann.user.id, quiet.patient_id)])
    client.logout()
    client.login(p.manager.email)
    client.get("/practice/")
    assert listed(severe.patient_id) == [(p.ann.user.id, severe.patient_id), (p.manager.id, severe.patient_id)]


def test_a_listing_is_recorded_again_on_another_day(practice):
    from clinic_app.audit.service import record_listed

    actor = Actor(practice.ann.user)
    visit = make_booking(practice.clinic, practice.service, practice.ann)
    assert record_listed(actor, "list_early_warning", [visit.patient_id], practice.now) == 1
    assert record_listed(actor, "list_early_warning", [visit.patient_id], practice.now) == 0
    assert record_listed(actor, "list_early_warning", [visit.patient_id], practice.now + timedelta(days=1)) == 1
