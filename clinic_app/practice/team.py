"""A clinic's team under /practice/clinics/<id>/team: practitioner profiles, weekly hours at this
clinic and breaks, hours for one date, time off, and the clinic's holiday closures.

Who: the clinic's practitioners and managers see it, head office (and admin) see every clinic's;
only the clinic's managers and head office change it (policy.can_manage_team). Staff of another
clinic get 403; a practitioner not on this clinic's team is a 404. Every change commits at once,
so the booking pages offer the new free times on the next request.
"""

from __future__ import annotations

from datetime import date, timedelta
from zoneinfo import ZoneInfo

from flask import abort, flash, redirect, render_template, url_for
from flask_login import current_user
from markupsafe import Markup

from clinic_app.accounts.policy import area_required, can_manage_team, require_clinic_access
from clinic_app.clinics import service as clinics
from clinic_app.clinics.models import Clinic
from clinic_app.clinics.rules import local_date
from clinic_app.clock import utcnow
from clinic_app.errors import ValidationFailed
from clinic_app.extensions import db
from clinic_app.practice import bp
from clinic_app.practice.team_forms import (
    ClosureForm,
    DatedHoursForm,
    ProfileForm,
    RemoveForm,
    TimeOffForm,
    WeekForm,
)
from clinic_app.scheduling import team
from clinic_app.scheduling.models import Practitioner, ScheduleBreak, TimeOff, WorkingHours
from clinic_app.scheduling.service import set_breaks

TEAM = "/clinics/<int:clinic_id>/team"
MEMBER = TEAM + "/<int:practitioner_id>"
MAX_LISTED_CLASHES = 10  # visits named in the time-off warning; the rest are counted


@bp.get(TEAM)
@area_required("practice_team")
def team_list(clinic_id: int):
    clinic = _clinic(clinic_id)
    return _team_page(clinic, ClosureForm(formdata=None))


@bp.post("/clinics/<int:clinic_id>/closures")
@area_required("practice_team")
def closure_add(clinic_id: int):
    clinic = _clinic(clinic_id, change=True)
    form = ClosureForm()
    closing = lambda: clinics.add_closure(clinic, form.closed_on.data, form.reason.data or "")  # noqa: E731
    if form.validate() and _saved(form, closing):
        flash(f"{clinic.name} is closed on {form.closed_on.data:%A %-d %B %Y}: no times are offered that day.",
              "success")
        _warn_of_visits(team.visits_at_clinic_on(clinic, form.closed_on.data), "on that day")
        return redirect(url_for("practice.team_list", clinic_id=clinic.id))
    return _team_page(clinic, form), 422


@bp.post("/clinics/<int:clinic_id>/closures/<int:closure_id>/delete")
@area_required("practice_team")
def closure_remove(clinic_id: int, closure_id: int):
    clinic = _clinic(clinic_id, change=True)
    _remove(lambda: clinics.remove_closure(clinic, closure_id), "The clinic is open that day again.")
    return redirect(url_for("practice.team_list", clinic_id=clinic.id))


@bp.post(TEAM + "/accounts/<int:user_id>/profile")
@area_required("practice_team")
def profile_create(clinic_id: int, user_id: int):
    clinic = _clinic(clinic_id, change=True)
    user = next((u for u in team.accounts_without_profile(clinic) if u.id == user_id), None) or abort(404)
    if not RemoveForm().validate():
        abort(400)
    practitioner = team.create_profile_at(clinic, user)
    db.session.commit()
    flash(f"{user.full_name} has a booking profile. Check it, then set the weekly hours.", "success")
    return redirect(url_for("practice.team_profile", clinic_id=clinic.id, practitioner_id=practitioner.id))


@bp.route(MEMBER, methods=["GET", "POST"])
@area_required("practice_team")
def team_profile(clinic_id: int, practitioner_id: int):
    clinic = _clinic(clinic_id)
    practitioner = _member(clinic, practitioner_id)
    form = ProfileForm(obj=practitioner)
    if form.is_submitted():
        _require_change(clinic)
        if form.validate() and _saved(form, lambda: team.update_profile(practitioner, form.to_profile())):
            flash(f"The profile of {practitioner.display_name} was saved.", "success")
            return redirect(url_for("practice.team_list", clinic_id=clinic.id))
    status = 422 if form.errors else 200
    return render_template("practice/team_profile.html", clinic=clinic, practitioner=practitioner, form=form,
                           can_change=can_manage_team(current_user, clinic.id)), status


@bp.route(MEMBER + "/hours", methods=["GET", "POST"])
@area_required("practice_team")
def team_hours(clinic_id: int, practitioner_id: int):
    clinic = _clinic(clinic_id)
    practitioner = _member(clinic, practitioner_id)
    form = WeekForm()
    if not form.is_submitted():
        form.fill([row for row in practitioner.working_hours if row.clinic_id == clinic.id], _breaks(practitioner))
        return _hours_page(clinic, practitioner, week=form)
    _require_change(clinic)
    if form.validate() and _saved(form, lambda: _save_week(practitioner, clinic, form)):
        flash(f"Weekly hours of {practitioner.display_name} at {clinic.name} were saved.", "success")
        return redirect(url_for("practice.team_hours", clinic_id=clinic.id, practitioner_id=practitioner.id))
    return _hours_page(clinic, practitioner, week=form), 422


@bp.post(MEMBER + "/dated")
@area_required("practice_team")
def dated_add(clinic_id: int, practitioner_id: int):
    clinic = _clinic(clinic_id, change=True)
    practitioner = _member(clinic, practitioner_id)
    form = DatedHoursForm(prefix="dated")
    if form.validate() and _saved(form, lambda: team.add_dated_hours(practitioner, clinic, form.to_period())):
        flash(f"Hours on {form.on_date.data:%A %-d %B} were added.", "success")
        return redirect(url_for("practice.team_hours", clinic_id=clinic.id, practitioner_id=practitioner.id))
    return _hours_page(clinic, practitioner, dated=form), 422


@bp.post(MEMBER + "/dated/<int:row_id>/delete")
@area_required("practice_team")
def dated_remove(clinic_id: int, practitioner_id: int, row_id: int):
    clinic = _clinic(clinic_id, change=True)
    practitioner = _member(clinic, practitioner_id)
    _remove(lambda: team.remove_dated_hours(practitioner, clinic, row_id), "The hours for that date were removed.")
    return redirect(url_for("practice.team_hours", clinic_id=clinic.id, practitioner_id=practitioner.id))


@bp.post(MEMBER + "/time-off")
@area_required("practice_team")
def time_off_add(clinic_id: int, practitioner_id: int):
    clinic = _clinic(clinic_id, change=True)
    practitioner = _member(clinic, practitioner_id)
    form = TimeOffForm(prefix="off")
    if form.validate() and _saved(form, lambda: _add_time_off(practitioner, clinic, form)):
        flash(f"Time off for {practitioner.display_name} was added: no times are offered then.", "success")
        return redirect(url_for("practice.team_hours", clinic_id=clinic.id, practitioner_id=practitioner.id))
    return _hours_page(clinic, practitioner, time_off=form), 422


@bp.post(MEMBER + "/time-off/<int:row_id>/delete")
@area_required("practice_team")
def time_off_remove(clinic_id: int, practitioner_id: int, row_id: int):
    clinic = _clinic(clinic_id, change=True)
    practitioner = _member(clinic, practitioner_id)
    _remove(lambda: team.remove_time_off(practitioner, row_id), "The time off was removed.")
    return redirect(url_for("practice.team_hours", clinic_id=clinic.id, practitioner_id=practitioner.id))


def _clinic(clinic_id: int, change: bool = False) -> Clinic:
    require_clinic_access(current_user, clinic_id)
    clinic = clinics.get_clinic(clinic_id) or abort(404)
    if change:
        _require_change(clinic)
    return clinic


def _require_change(clinic: Clinic) -> None:
    if not can_manage_team(current_user, clinic.id):
        abort(403)


def _member(clinic: Clinic, practitioner_id: int) -> Practitioner:
    return team.team_member(clinic, practitioner_id) or abort(404)


def _breaks(practitioner: Practitioner) -> list[ScheduleBreak]:
    return list(db.session.scalars(db.select(ScheduleBreak).where(ScheduleBreak.practitioner_id == practitioner.id)))


def _save_week(practitioner: Practitioner, clinic: Clinic, form: WeekForm) -> None:
    team.set_hours_at_clinic(practitioner, clinic, form.hours())
    set_breaks(practitioner, form.break_intervals())


def _add_time_off(practitioner: Practitioner, clinic: Clinic, form: TimeOffForm) -> None:
    away = team.add_time_off(practitioner, form.to_time_away(), clinic.timezone)
    clashes = team.visits_during(practitioner, away.start_at, away.end_at)
    _warn_of_visits(len(clashes), "in this time off", _visit_links(clinic, clashes))


def _visit_links(clinic: Clinic, visits: list) -> Markup:
    """Each clashing visit on the clinic's clock, linked to the desk's page that moves it."""
    zone = ZoneInfo(clinic.timezone)
    return Markup(", ").join(
        Markup('<a href="{}">{} {}</a>').format(
            url_for("practice.change_visit", clinic_id=visit.clinic_id, booking_id=visit.id),
            visit.start_at.astimezone(zone).strftime("%a %-d %b, %-I:%M %p %Z"), visit.patient.full_name)
        for visit in visits[:MAX_LISTED_CLASHES]
    ) + (Markup(" and {} more").format(len(visits) - MAX_LISTED_CLASHES) if len(visits) > MAX_LISTED_CLASHES else "")


def _warn_of_visits(booked: int, when: str, listed: Markup | None = None) -> None:
    """Closing a day or adding time off cancels nothing: say what is left to move (which
    visits, when ``listed``)."""
    if booked:
        visits = Markup(" ({})").format(listed) if listed else ""
        flash(Markup("{} booked {} {}{}: move or cancel them on the schedule.").format(
            booked, "visit falls" if booked == 1 else "visits fall", when, visits), "error")


def _team_page(clinic: Clinic, closure_form: ClosureForm):
    now = utcnow()
    return render_template(
        "practice/team.html", clinic=clinic, practitioners=team.clinic_team(clinic),
        without_profile=team.accounts_without_profile(clinic),
        closures=clinics.upcoming_closures(clinic, now, count=50), closure_form=closure_form,
        remove_form=RemoveForm(), can_change=can_manage_team(current_user, clinic.id),
    )


def _hours_page(clinic: Clinic, practitioner: Practitioner, week: WeekForm | None = None,
                dated: DatedHoursForm | None = None, time_off: TimeOffForm | None = None):
    now = utcnow()
    if week is None:
        week = WeekForm(formdata=None)
        week.fill([row for row in practitioner.working_hours if row.clinic_id == clinic.id], _breaks(practitioner))
    return render_template(
        "practice/hours.html", clinic=clinic, practitioner=practitioner, week=week,
        dated=dated or DatedHoursForm(prefix="dated", formdata=None),
        time_off=time_off or TimeOffForm(prefix="off", formdata=None),
        dated_rows=team.upcoming_dated_hours(practitioner, clinic, local_date(clinic.timezone, now)),
        time_off_rows=_days_away(team.upcoming_time_off(practitioner, now), clinic.timezone),
        elsewhere=_hours_elsewhere(practitioner, clinic),
        remove_form=RemoveForm(), can_change=can_manage_team(current_user, clinic.id),
    )


def _days_away(rows: list[TimeOff], zone_name: str) -> list[tuple[TimeOff, date, date]]:
    """Each time off with its first and last day on the clinic's calendar (it ends at the
    midnight after the last day)."""
    zone = ZoneInfo(zone_name)
    last_moment = timedelta(microseconds=1)
    return [(row, row.start_at.astimezone(zone).date(), (row.end_at.astimezone(zone) - last_moment).date())
            for row in rows]


def _hours_elsewhere(practitioner: Practitioner, clinic: Clinic) -> list[tuple[WorkingHours, str]]:
    """The practitioner's weekly hours at other clinics, with the clinic's name, by weekday."""
    rows = sorted((row for row in practitioner.working_hours if row.clinic_id != clinic.id),
                  key=lambda row: (row.weekday, row.starts))
    return [(row, (clinics.get_clinic(row.clinic_id) or abort(404)).name) for row in rows]


def _saved(form, operation) -> bool:
    """Run one service call and commit; put a rule's complaint beside its field instead, with
    nothing written."""
    try:
        operation()
    except ValidationFailed as error:
        db.session.rollback()
        form.populate_errors(error)
        return False
    db.session.commit()
    return True


def _remove(operation, message: str) -> None:
    form = RemoveForm()
    if not form.validate():
        abort(400)
    if not operation():
        abort(404)
    db.session.commit()
    flash(message, "success")
