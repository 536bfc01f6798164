"""The treatment note of a visit: the visit's practitioner writes a draft, then signs it; a
signed note is read-only for everyone and takes addenda (with a reason) and a clinic manager's
co-signature. Any attempt to change a signed note, or to write someone else's, is refused with a
message (403 or 409), never a bare error page."""

from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask_login import current_user
from sqlalchemy import select

from clinic_app.accounts.policy import area_required, can_cosign_note, can_write_note
from clinic_app.clock import utcnow
from clinic_app.errors import Conflict, DomainError, ValidationFailed
from clinic_app.extensions import db
from clinic_app.practice import bp
from clinic_app.practice.pages import staff_actor
from clinic_app.practice.records import on_clinic_clock, reject, visit_for_records
from clinic_app.practice.records_forms import AddendumForm, CosignForm, NoteForm
from clinic_app.scheduling.models import Booking
from clinic_app.screening.service import open_emergencies
from clinic_app.treatments.models import TreatmentNote
from clinic_app.treatments.notes import (
    NoteDetails,
    add_addendum,
    cosign_note,
    not_yours,
    note_for_visit,
    save_draft,
    sign_note,
)
from clinic_app.treatments.rules import note_refusal


@bp.get("/visits/<int:booking_id>/note")
@area_required("practice")
def note(booking_id: int):
    booking = visit_for_records(booking_id)
    existing = find_note(booking.id)
    if existing is not None:
        note_for_visit(staff_actor(), booking, utcnow())  # the audited read
        db.session.commit()
    form = NoteForm(obj=existing) if existing is not None and not existing.signed else NoteForm()
    refusal = note_refusal(booking.status) if existing is None else None
    return note_page(booking, existing, form, AddendumForm(), refusal=refusal or "")


@bp.post("/visits/<int:booking_id>/note")
@area_required("practice")
def note_save(booking_id: int):
    booking = visit_for_records(booking_id)
    form, actor, now = NoteForm(), staff_actor(), utcnow()
    try:
        note = find_note(booking.id) or note_for_visit(actor, booking, now)
        valid = form.validate()
        if not valid and may_edit(booking, note):
            db.session.rollback()
            return note_page(booking, find_note(booking.id), form, AddendumForm(), status=422)
        # A signed note, another author's draft, or another practitioner's visit: the service
        # refuses (policy.can_write_note) before writing anything.
        save_draft(actor, note, note_details(form) if valid else NoteDetails(), now)
        if form.sign.data:
            sign_note(actor, note, now)
    except ValidationFailed as error:
        reject(form, error)
        return note_page(booking, find_note(booking.id), form, AddendumForm(), status=422)
    except DomainError as error:
        return refused(booking, error)
    db.session.commit()
    flash("The note is signed and closed." if form.sign.data else "The draft was saved.", "success")
    return redirect(url_for("practice.note", booking_id=booking.id), 303)


@bp.post("/visits/<int:booking_id>/note/addenda")
@area_required("practice")
def note_addendum(booking_id: int):
    booking = visit_for_records(booking_id)
    existing = find_note(booking.id)
    if existing is None:
        return refused(booking, Conflict("This visit has no note yet; write the note first."))
    form = AddendumForm()
    if form.validate():
        try:
            add_addendum(staff_actor(), existing, form.reason.data, form.body.data, utcnow())
        except ValidationFailed as error:
            reject(form, error)
        except DomainError as error:
            return refused(booking, error)
        else:
            db.session.commit()
            flash("The addendum was added to the signed note.", "success")
            return redirect(url_for("practice.note", booking_id=booking.id), 303)
    return note_page(booking, existing, NoteForm(formdata=None), form, status=422)


@bp.post("/visits/<int:booking_id>/note/cosign")
@area_required("practice")
def note_cosign(booking_id: int):
    booking = visit_for_records(booking_id)
    existing = find_note(booking.id)
    if existing is None:
        return refused(booking, Conflict("This visit has no note yet to co-sign."))
    if not CosignForm().validate():
        return refused(booking, ValidationFailed("The form had expired; co-sign again."))
    try:
        cosign_note(staff_actor(), existing, utcnow())
    except DomainError as error:
        return refused(booking, error)
    db.session.commit()
    flash("Your co-signature was added to the note.", "success")
    return redirect(url_for("practice.note", booking_id=booking.id), 303)


def find_note(booking_id: int) -> TreatmentNote | None:
    return db.session.scalar(select(TreatmentNote).where(TreatmentNote.booking_id == booking_id))


def note_details(form: NoteForm) -> NoteDetails:
    return NoteDetails(
        subjective=form.subjective.data or "", objective=form.objective.data or "",
        assessment=form.assessment.data or "", plan=form.plan.data or "", body_region=form.body_region.data or "",
        techniques=tuple(form.techniques.data or ()), pain_before=form.pain_before.data,
        pain_after=form.pain_after.data,
    )


def refused(booking: Booking, error: DomainError):
    """The note page again, with the rule's refusal at the top and nothing changed."""
    db.session.rollback()
    return note_page(booking, find_note(booking.id), NoteForm(formdata=None), AddendumForm(formdata=None),
                     refusal=error.message, status=getattr(error, "status", 409))


def may_edit(booking: Booking, note: TreatmentNote | None) -> bool:
    """Whether the page offers the note's form: the visit's practitioner, on a draft of their own."""
    if note is None:
        return can_write_note(current_user, booking) and note_refusal(booking.status) is None
    return can_write_note(current_user, booking) and not note.signed and note.author_id == current_user.id


def note_page(booking: Booking, note: TreatmentNote | None, form: NoteForm, addendum_form: AddendumForm,
              refusal: str = "", status: int = 200):
    return render_template(
        "practice/note.html", booking=booking, patient=booking.patient, note=note, form=form,
        addendum_form=addendum_form, editable=may_edit(booking, note), refusal=refusal,
        visit_time=on_clinic_clock(booking), not_yours=not_yours(booking),
        emergency=open_emergencies([booking.patient_id]).get(booking.patient_id),
        cosign_form=CosignForm() if note is not None and can_cosign_note(current_user, booking, note)
        and all(c.user_id != current_user.id for c in note.cosignatures) else None,
    ), status
