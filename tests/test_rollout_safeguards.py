"""Rollout safeguards: moving a clinic past open milestones asks for a confirmation and a
reason and keeps who overrode what; the clinic's public status follows its stage; the board
shows days in stage and links each late item to its milestone."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import func, select

from clinic_app.clinics.models import Clinic, ClinicStatus
from clinic_app.extensions import db
from clinic_app.rollout.models import ClinicRollout, RolloutStage, RolloutStageChange
from clinic_app.rollout.rules import PUBLIC_STATUS_AT_STAGE, days_in_stage, holds_back, public_status_at
from tests.factories import make_clinic
from tests.test_rollout import login_head_office, make_milestone, make_ready_rollout, make_rollout

NOW = datetime(2026, 3, 3, 15, 0, tzinfo=UTC)


@pytest.fixture
def at_now(monkeypatch):
    monkeypatch.setattr("clinic_app.clock.utcnow", lambda: NOW)


def page_of(client, url: str) -> str:
    return client.get(url).get_data(as_text=True)


def shown(html: str, name: str) -> str:
    """The value of the hidden field ``name`` on a page."""
    match = re.search(rf'name="{name}" type="hidden" value="([^"]*)"|name="{name}" value="([^"]*)"', html)
    assert match, f"no {name} field"
    return match.group(1) or match.group(2) or ""


def press_move(client, url: str, **fields):
    """Press "Move to ..." on the clinic's page (the stage it showed, unless given)."""
    data = {"stage": shown(page_of(client, url), "stage"), **fields}
    return client.submit(f"{url}/advance", data, page=url)


def stage_of(rollout) -> str:
    db.session.expire_all()
    return db.session.get(ClinicRollout, rollout.id).stage


def changes() -> list[RolloutStageChange]:
    return list(db.session.scalars(select(RolloutStageChange).order_by(RolloutStageChange.id)))


# --- rules -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "milestone_stage, done_on, leaving, holds",
    [
        ("lease_signed", None, "lease_signed", True),  # this stage, open
        ("prospect", None, "lease_signed", True),  # an earlier stage, still open
        ("fit_out", None, "lease_signed", False),  # the work ahead
        ("lease_signed", date(2026, 3, 1), "lease_signed", False),  # done
    ],
)
def test_only_open_milestones_of_the_stage_left_or_before_hold_a_rollout_back(milestone_stage, done_on, leaving,
                                                                               holds):
    assert holds_back(milestone_stage, done_on, leaving) is holds


def test_the_public_status_is_planned_until_the_lease_then_coming_soon_then_open():
    assert [public_status_at(stage) for stage in RolloutStage] == [
        "planned", "planned", "coming_soon", "coming_soon", "coming_soon", "coming_soon", "open"]
    assert set(PUBLIC_STATUS_AT_STAGE) == set(RolloutStage)


def test_days_in_stage_count_calendar_days_from_the_day_it_was_reached():
    assert days_in_stage(date(2026, 3, 1), date(2026, 3, 3)) == 2
    assert days_in_stage(date(2026, 3, 3), date(2026, 3, 3)) == 0


# --- the confirmation ----------------------------------------------------------------------


def test_moving_past_an_open_milestone_asks_for_confirmation_and_changes_nothing(client, at_now):
    login_head_office(client)
    rollout = make_rollout(stage=RolloutStage.PROSPECT)
    milestone = make_milestone(rollout, "Shortlist three sites", due_on=date(2026, 3, 1))
    url = f"/headoffice/rollout/{rollout.clinic_id}"

    response = press_move(client, url)

    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "Move to Site selected with open milestones?" in html
    assert f'href="{url}/milestones/{milestone.id}">Shortlist three sites</a>' in html
    assert "Late by 2 days" in html
    assert shown(html, "confirmed") == str(milestone.id)
    assert stage_of(rollout) == "prospect" and changes() == []


def test_confirming_without_a_reason_shows_the_error_beside_the_field_and_changes_nothing(client, at_now):
    login_head_office(client)
    rollout = make_rollout(stage=RolloutStage.PROSPECT)
    milestone = make_milestone(rollout, "Shortlist three sites")
    url = f"/headoffice/rollout/{rollout.clinic_id}"

    response = press_move(client, url, confirmed=str(milestone.id), reason="  ")

    assert response.status_code == 422
    assert re.search(r'id="reason-error">[^<]*Say why the clinic moves on', response.get_data(as_text=True))
    assert stage_of(rollout) == "prospect" and changes() == []


def test_a_confirmed_override_moves_on_and_records_who_overrode_what_and_why(client, at_now):
    login_head_office(client)
    rollout = make_rollout(stage=RolloutStage.PROSPECT)
    milestone = make_milestone(rollout, "Shortlist three sites", due_on=date(2026, 3, 1))
    make_milestone(rollout, "Market study", done_on=date(2026, 2, 1))  # done: not overridden
    url = f"/headoffice/rollout/{rollout.clinic_id}"

    response = press_move(client, url, confirmed=str(milestone.id), reason="The landlord needs an answer today.")

    assert response.status_code == 302
    assert stage_of(rollout) == "site_selected"
    [change] = changes()
    assert (change.from_stage, change.to_stage, change.changed_by_name, change.reason, change.overridden_count) == (
        "prospect", "site_selected", "Harper Office", "The landlord needs an answer today.", 1)
    assert change.overridden_milestones == [
        {"id": milestone.id, "title": "Shortlist three sites", "stage": "prospect", "due_on": "2026-03-01"}]
    history = page_of(client, url).split('id="stage-history"')[1]
    assert "Prospect to Site selected" in history and "Harper Office" in history
    assert "Shortlist three sites (due 2026-03-01)" in history and "The landlord needs an answer today." in history


def test_a_milestone_opened_after_the_confirmation_page_asks_again(client, at_now):
    login_head_office(client)
    rollout = make_rollout(stage=RolloutStage.PROSPECT)
    first = make_milestone(rollout, "Shortlist three sites")
    url = f"/headoffice/rollout/{rollout.clinic_id}"
    asked = press_move(client, url).get_data(as_text=True)
    second = make_milestone(rollout, "Check the zoning")  # someone adds one meanwhile

    response = client.submit(f"{url}/advance", {"stage": "prospect", "confirmed": shown(asked, "confirmed"),
                                                "reason": "Urgent."}, page=url)

    html = response.get_data(as_text=True)
    assert "The open milestones changed since you confirmed" in html
    assert shown(html, "confirmed") == f"{first.id},{second.id}"
    assert stage_of(rollout) == "prospect" and changes() == []


def test_without_open_milestones_the_move_needs_no_confirmation_and_is_still_recorded(client, at_now):
    user = login_head_office(client)
    rollout = make_rollout(stage=RolloutStage.PROSPECT)
    make_milestone(rollout, "Fit the sinks", stage="fit_out")  # later work does not hold it back
    url = f"/headoffice/rollout/{rollout.clinic_id}"

    assert press_move(client, url).status_code == 302

    assert stage_of(rollout) == "site_selected"
    [change] = changes()
    assert (change.changed_by_id, change.overridden_count, change.overridden_milestones) == (user.id, 0, [])


def test_opening_with_an_open_milestone_asks_for_confirmation_first(client, at_now):
    login_head_office(client)
    rollout = make_ready_rollout()
    milestone = make_milestone(rollout, "Open to patients", due_on=date(2026, 3, 6))
    url = f"/headoffice/rollout/{rollout.clinic_id}"

    asked = press_move(client, url).get_data(as_text=True)
    assert re.search(r"<h1>Open Test Clinic \d+ with open milestones\?</h1>", asked)
    assert db.session.get(Clinic, rollout.clinic_id).status == "coming_soon"

    press_move(client, url, confirmed=str(milestone.id), reason="Opening day is the milestone itself.")
    db.session.expire_all()
    assert db.session.get(Clinic, rollout.clinic_id).status == "open"
    assert [(c.from_stage, c.to_stage, c.overridden_count) for c in changes()] == [("soft_opening", "open", 1)]


def test_the_database_refuses_an_override_without_a_reason(app):
    rollout = make_rollout()
    db.session.add(RolloutStageChange(rollout=rollout, from_stage="prospect", to_stage="site_selected",
                                      overridden_count=1, overridden_milestones=[], reason=""))
    with pytest.raises(Exception, match="(?i)check|constraint"):
        db.session.flush()
    db.session.rollback()


# --- the public status and the board -------------------------------------------------------


def test_the_clinics_public_status_follows_its_stage(client, at_now):
    login_head_office(client)
    rollout = make_rollout(make_clinic(name="Stageville Clinic", status="planned"), stage=RolloutStage.PROSPECT)
    url = f"/headoffice/rollout/{rollout.clinic_id}"
    seen = []
    for _ in range(2):
        press_move(client, url)
        page_of(client, url)  # where the move leads, with its message
        db.session.expire_all()
        listed = "Stageville Clinic" in page_of(client, "/clinics")  # the public list of clinics
        seen.append((stage_of(rollout), db.session.get(Clinic, rollout.clinic_id).status, listed))

    assert seen == [("site_selected", ClinicStatus.PLANNED, False), ("lease_signed", ClinicStatus.COMING_SOON, True)]


def test_the_board_shows_days_in_stage_and_links_each_late_item_to_its_milestone(client, at_now):
    login_head_office(client)
    rollout = make_rollout(make_clinic(name="Lateville Clinic", status="planned"), stage=RolloutStage.LEASE_SIGNED)
    rollout.stage_changed_at = NOW - timedelta(days=12)
    db.session.commit()
    late = make_milestone(rollout, "Get the keys", due_on=date(2026, 2, 27))

    board = page_of(client, "/headoffice/rollout")

    card = board.split("Lateville Clinic")[1].split("</li>\n            {% endfor")[0]
    assert "12 days in stage" in card
    assert f'href="/headoffice/rollout/{rollout.clinic_id}#milestone-{late.id}">Get the keys</a>, 4 days late' in card
    assert f'id="milestone-{late.id}"' in page_of(client, f"/headoffice/rollout/{rollout.clinic_id}")


def test_the_clinic_page_lists_what_holds_it_back_before_the_button_is_pressed(client, at_now):
    login_head_office(client)
    rollout = make_rollout(stage=RolloutStage.FIT_OUT)
    held = make_milestone(rollout, "Signage installed", due_on=date(2026, 2, 28))
    make_milestone(rollout, "Hire the front desk", stage="hiring")

    html = page_of(client, f"/headoffice/rollout/{rollout.clinic_id}")

    holding = html.split('id="holding-heading"')[1].split("</ul>")[0]
    assert f'href="#milestone-{held.id}">Signage installed</a>' in holding and "late by 3 days" in holding
    assert "Hire the front desk" not in holding
    assert db.session.scalar(select(func.count()).select_from(RolloutStageChange)) == 0
