"""The rollout pipeline under /headoffice/rollout: a board by stage, a timeline of
milestones, and each future clinic's page, where it finally opens. Head office and admin."""

from __future__ import annotations

from flask import abort, current_app, flash, redirect, render_template, url_for
from flask_login import current_user
from wtforms import SelectChoice

from clinic_app import clock
from clinic_app.accounts.policy import area_required
from clinic_app.errors import DomainError
from clinic_app.extensions import db
from clinic_app.headoffice import bp
from clinic_app.headoffice.rollout_chart import rollout_timeline_chart
from clinic_app.rollout import service
from clinic_app.rollout.forms import (
    AdvanceForm,
    MilestoneForm,
    NotesForm,
    RolloutActionForm,
    StartRolloutForm,
)
from clinic_app.rollout.models import ClinicRollout, RolloutMilestone
from clinic_app.rollout.opening import NotReadyToOpen, opening_readiness
from clinic_app.rollout.rules import missing_for_opening, next_stage
from clinic_app.rollout.stages import HeldBack, Override, ReasonNeeded, held_back_by


@bp.route("/rollout", methods=["GET", "POST"])
@area_required("headoffice")
def rollout_board():
    form = _start_form()
    if form.validate_on_submit():
        try:
            service.start_rollout(form.clinic_id.data, clock.utcnow())
        except DomainError as error:
            db.session.rollback()
            form.populate_errors(error, default="clinic_id")
        else:
            db.session.commit()
            flash("The rollout has started.", "success")
            return redirect(url_for("headoffice.rollout_clinic", clinic_id=form.clinic_id.data))
    status = 422 if form.errors else 200
    board = service.rollout_board(clock.utcnow())
    return render_template("headoffice/rollout_board.html", board=board, form=form), status


@bp.get("/rollout/timeline")
@area_required("headoffice")
def rollout_timeline():
    now = clock.utcnow()
    return render_template("headoffice/rollout_timeline.html", entries=service.rollout_timeline(now),
                           chart=rollout_timeline_chart(now))


@bp.get("/rollout/<int:clinic_id>")
@area_required("headoffice")
def rollout_clinic(clinic_id: int):
    return _clinic_page(_rollout_or_404(clinic_id))


@bp.post("/rollout/<int:clinic_id>/notes")
@area_required("headoffice")
def rollout_notes(clinic_id: int):
    rollout = _rollout_or_404(clinic_id)
    form = NotesForm()
    if not form.validate_on_submit():
        return _clinic_page(rollout, notes_form=form), 422
    service.save_notes(rollout, form.notes.data or "")
    db.session.commit()
    flash("Notes saved.", "success")
    return redirect(url_for("headoffice.rollout_clinic", clinic_id=clinic_id))


@bp.post("/rollout/<int:clinic_id>/milestones")
@area_required("headoffice")
def rollout_add_milestone(clinic_id: int):
    rollout = _rollout_or_404(clinic_id)
    form = _milestone_form()
    if form.validate_on_submit() and _saved(form, lambda details: service.add_milestone(rollout, details)):
        flash(f"Milestone added: {form.title.data}.", "success")
        return redirect(url_for("headoffice.rollout_clinic", clinic_id=clinic_id))
    return _clinic_page(_rollout_or_404(clinic_id), milestone_form=form), 422


@bp.route("/rollout/<int:clinic_id>/milestones/<int:milestone_id>", methods=["GET", "POST"])
@area_required("headoffice")
def rollout_edit_milestone(clinic_id: int, milestone_id: int):
    rollout = _rollout_or_404(clinic_id)
    milestone = _milestone_or_404(rollout, milestone_id)
    form = _milestone_form(obj=milestone)
    if form.validate_on_submit() and _saved(form, lambda details: service.update_milestone(milestone, details)):
        flash(f"Milestone saved: {form.title.data}.", "success")
        return redirect(url_for("headoffice.rollout_clinic", clinic_id=clinic_id))
    status = 422 if form.errors else 200
    return render_template("headoffice/rollout_milestone.html", rollout=rollout, milestone=milestone,
                           form=form), status


@bp.post("/rollout/<int:clinic_id>/milestones/<int:milestone_id>/done")
@area_required("headoffice")
def rollout_milestone_done(clinic_id: int, milestone_id: int):
    milestone = _milestone_or_404(_rollout_or_404(clinic_id), milestone_id)
    if RolloutActionForm().validate_on_submit():
        service.mark_milestone_done(milestone, clock.utcnow())
        db.session.commit()
        flash(f"Marked done: {milestone.title}.", "success")
    return redirect(url_for("headoffice.rollout_clinic", clinic_id=clinic_id))


@bp.post("/rollout/<int:clinic_id>/advance")
@area_required("headoffice")
def rollout_advance(clinic_id: int):
    """The next stage from the one the page showed; from soft opening, the opening itself (or
    what is missing for it). A press from an out-of-date page is refused with a message."""
    rollout = _rollout_or_404(clinic_id)
    form = AdvanceForm()
    if not form.validate_on_submit():
        return redirect(url_for("headoffice.rollout_clinic", clinic_id=clinic_id))
    override = Override(form.confirmed_ids, form.reason.data or "") if form.confirmed.data else None
    try:
        opened = service.advance_rollout(rollout.id, form.stage.data or "", clock.utcnow(),
                                         current_app.config["SERVICE_RADIUS_MILES"],
                                         actor=current_user._get_current_object(), override=override)
    except NotReadyToOpen as error:
        db.session.rollback()
        return _clinic_page(_rollout_or_404(clinic_id), missing=error.missing), 422
    except (HeldBack, ReasonNeeded) as error:
        db.session.rollback()
        return _confirm_page(_rollout_or_404(clinic_id), error, form)
    except DomainError as error:
        db.session.rollback()
        flash(error.message, "error")
        return redirect(url_for("headoffice.rollout_clinic", clinic_id=clinic_id))
    db.session.commit()
    if opened is None:
        flash(f"{rollout.clinic.name} moved to {rollout.stage_label}.", "success")
    else:
        flash(f"{opened.clinic.name} is open: patients can find and book it. "
              f"{_people(opened.announced)} who asked to hear about a clinic nearby will get one e-mail.", "success")
    return redirect(url_for("headoffice.rollout_clinic", clinic_id=clinic_id))


def _confirm_page(rollout: ClinicRollout, error: HeldBack | ReasonNeeded, asked: AdvanceForm):
    """Ask head office to confirm moving on past the open milestones listed, with a reason.
    Shown again (422) without a reason; shown afresh, saying why, when the list changed since
    the page that was confirmed."""
    ids = ",".join(str(m.id) for m in error.milestones)
    form = AdvanceForm(formdata=None, data={"stage": rollout.stage, "confirmed": ids, "reason": asked.reason.data})
    if isinstance(error, ReasonNeeded):
        form.populate_errors(error)
    changed = isinstance(error, HeldBack) and bool(asked.confirmed.data)
    today = service.clinic_today(rollout.clinic, clock.utcnow())
    return render_template(
        "headoffice/rollout_confirm.html", rollout=rollout, following=next_stage(rollout.stage), form=form,
        milestones=[service.milestone_view(m, today) for m in error.milestones], changed=changed,
    ), 422 if isinstance(error, ReasonNeeded) else 200


def _clinic_page(rollout: ClinicRollout, *, notes_form=None, milestone_form=None, missing=None):
    following = next_stage(rollout.stage)
    return render_template(
        "headoffice/rollout_clinic.html",
        card=service.rollout_card(rollout, clock.utcnow()),
        rollout=rollout,
        following=following,
        missing=missing if missing is not None else missing_for_opening(opening_readiness(rollout.clinic_id)),
        held_back={m.id for m in held_back_by(rollout)},
        changes=list(rollout.changes),
        notes_form=notes_form or NotesForm(formdata=None, data={"notes": rollout.notes}),
        milestone_form=milestone_form or _milestone_form(formdata=None, data={"stage": rollout.stage}),
        action_form=RolloutActionForm(),
    )


def _saved(form: MilestoneForm, operation) -> bool:
    """Run ``operation`` on the form's details and commit; a refusal lands on its field."""
    details = service.MilestoneDetails(
        title=form.title.data, stage=form.stage.data, due_on=form.due_on.data, done_on=form.done_on.data,
        owner_user_id=form.owner_user_id.data, owner_name=form.owner_name.data or "", notes=form.notes.data or "",
    )
    try:
        operation(details)
    except DomainError as error:
        db.session.rollback()
        form.populate_errors(error, default="title")
        return False
    db.session.commit()
    return True


def _start_form() -> StartRolloutForm:
    form = StartRolloutForm()
    form.clinic_id.choices = [SelectChoice(c.id, f"{c.name} ({c.status_label})")
                              for c in service.clinics_without_rollout()]
    return form


def _milestone_form(**kwargs) -> MilestoneForm:
    form = MilestoneForm(**kwargs)
    form.owner_user_id.choices = [SelectChoice("", "Someone without an account (name below)")] + [
        SelectChoice(user.id, f"{user.full_name} ({user.role.replace('_', ' ')})") for user in service.owner_choices()
    ]
    return form


def _rollout_or_404(clinic_id: int) -> ClinicRollout:
    return service.get_rollout(clinic_id) or abort(404)


def _milestone_or_404(rollout: ClinicRollout, milestone_id: int) -> RolloutMilestone:
    milestone = db.session.get(RolloutMilestone, milestone_id)
    if milestone is None or milestone.rollout_id != rollout.id:
        abort(404)
    return milestone


def _people(count: int) -> str:
    return "1 person" if count == 1 else f"{count} people"
