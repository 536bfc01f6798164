"""Head office's front page (the network at a glance) and the audit search."""

from datetime import UTC, datetime, time, timedelta
from typing import Any

from flask import render_template, request, url_for
from sqlalchemy import select

from clinic_app import clock
from clinic_app.accounts.policy import area_required
from clinic_app.accounts.service import count_users_by_role
from clinic_app.audit.service import CROSS_CLINIC_READ, AuditQuery, search_events
from clinic_app.clinics.models import Clinic, ClinicStatus
from clinic_app.clinics.service import count_clinics_by_status
from clinic_app.extensions import db
from clinic_app.headoffice import bp
from clinic_app.headoffice.forms import AUDIT_ACTIONS, AuditSearchForm
from clinic_app.headoffice.overview import cards, pipeline_counts
from clinic_app.reporting.definitions import DEFINITIONS
from clinic_app.reporting.overview import build_overview
from clinic_app.reporting.queries.dashboard import UPCOMING_DAYS, count_upcoming_visits
from clinic_app.rollout.service import rollout_board


@bp.get("/")
@area_required("headoffice")
def index():
    """The network on one screen: key figures against the last period, the pipeline, alerts."""
    now = clock.utcnow()
    overview = build_overview(now)
    counts = count_clinics_by_status()
    board = rollout_board(now)
    return render_template(
        "headoffice/index.html",
        overview=overview, cards=cards(overview), pipeline=pipeline_counts(board),
        late=[(card, view) for _, stage_cards in board for card in stage_cards for view in card.late],
        clinic_counts=[(status, counts.get(status, 0)) for status in ClinicStatus],
        user_counts=count_users_by_role(),
        booking_count=count_upcoming_visits(now),
        upcoming_days=UPCOMING_DAYS, definitions=DEFINITIONS,
    )


AUDIT_PAGE_SIZE = 50
AUDIT_MAX_PAGES = 100


@bp.get("/audit")
@area_required("headoffice")
def audit():
    """Who read or changed which patient's record: newest first, filtered, 50 to a page.
    Head office sees patient numbers, never names or clinical content."""
    form = AuditSearchForm(formdata=request.args)
    page = min(max(request.args.get("page", 1, type=int) or 1, 1), AUDIT_MAX_PAGES)
    searching = any(request.args.get(name) for name in ("patient_id", "actor_email", "action", "since", "until"))
    valid = form.validate() if searching else True
    events, more = [], False
    if valid:
        found = search_events(audit_query(form, limit=page * AUDIT_PAGE_SIZE + 1))
        events, more = found[(page - 1) * AUDIT_PAGE_SIZE:page * AUDIT_PAGE_SIZE], len(found) > page * AUDIT_PAGE_SIZE
    return render_template(
        "headoffice/audit.html", form=form, events=events, page=page, actions=AUDIT_ACTIONS,
        cross_clinic=CROSS_CLINIC_READ, clinic_names=_clinic_names(events),
        previous_url=_audit_page_url(page - 1) if page > 1 else None,
        next_url=_audit_page_url(page + 1) if more and page < AUDIT_MAX_PAGES else None,
    ), 200 if valid else 422


def audit_query(form: AuditSearchForm, limit: int) -> AuditQuery:
    """Dates are whole UTC days; the end date is included."""

    def start_of(day):
        return datetime.combine(day, time(), UTC) if day else None

    last_day = form.until.data
    return AuditQuery(
        patient_id=form.patient_id.data, actor_email=form.actor_email.data or "", action=form.action.data or "",
        since=start_of(form.since.data), until=start_of(last_day + timedelta(days=1) if last_day else None),
        limit=limit,
    )


def _clinic_names(events) -> dict[int, str]:
    """The clinics named by the events (a read across clinics names the clinic whose records it showed)."""
    ids = {event.object_id for event in events if event.object_type == "Clinic" and event.object_id}
    return dict(db.session.execute(select(Clinic.id, Clinic.name).where(Clinic.id.in_(ids))).all()) if ids else {}


def _audit_page_url(page: int) -> str:
    args: dict[str, Any] = {key: value for key, value in request.args.items() if key != "page" and value}
    return url_for("headoffice.audit", **args, page=page)
