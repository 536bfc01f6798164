"""Treatment notes: written as a draft by the visit's own practitioner, then signed by that
author and closed for good; later corrections are addenda, and a clinic manager may add a
co-signature. Who may do which is accounts.policy's (can_write_note, can_cosign_note). Every
read and change is audited. Flush, never commit."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from clinic_app.accounts.policy import can_cosign_note, can_write_note
from clinic_app.audit.service import Actor, record_event
from clinic_app.errors import Conflict, NotAllowed, ValidationFailed
from clinic_app.extensions import db
from clinic_app.scheduling.models import Booking
from clinic_app.screening.service import require_action_recorded
from clinic_app.treatments.episodes import episode_for_visit
from clinic_app.treatments.models import NoteAddendum, NoteCosignature, NoteStatus, TreatmentNote
from clinic_app.treatments.rules import note_refusal

BODY_REGIONS = ("lumbar", "thoracic", "cervical", "sacroiliac", "hip", "shoulder", "other")
TECHNIQUES = (
    "manual therapy",
    "spinal manipulation",
    "soft tissue massage",
    "dry needling",
    "exercise therapy",
    "education",
    "heat or ice",
)


@dataclass(frozen=True)
class NoteDetails:
    subjective: str = ""
    objective: str = ""
    assessment: str = ""
    plan: str = ""
    body_region: str = ""
    techniques: tuple[str, ...] = field(default_factory=tuple)
    pain_before: int | None = None
    pain_after: int | None = None


def note_for_visit(actor: Actor, booking: Booking, now: datetime) -> TreatmentNote:
    """The visit's note, started as an empty draft by ``actor`` when there is none yet: only
    for a visit the patient came to (rules.note_refusal), only by the visit's practitioner, in
    the visit's episode of care."""
    note = db.session.scalar(select(TreatmentNote).where(TreatmentNote.booking_id == booking.id))
    if note is None:
        refusal = note_refusal(booking.status)
        if refusal is not None:
            raise Conflict(refusal)
        if not can_write_note(actor.user, booking):
            raise NotAllowed(not_yours(booking))
        note = TreatmentNote(booking_id=booking.id, patient_id=booking.patient_id, author_id=actor.user.id,
                             episode_id=episode_for_visit(booking).id, created_at=now, updated_at=now)
        db.session.add(note)
        db.session.flush()
        record_event(actor, booking.patient_id, "start_note", note, now)
    else:
        record_event(actor, booking.patient_id, "view_note", note, now)
    return note


def save_draft(actor: Actor, note: TreatmentNote, details: NoteDetails, now: datetime) -> None:
    """Only the author edits a note, and only while it is a draft."""
    _check_author_of_draft(actor, note)
    _check_details(details)
    for name, value in details.__dict__.items():
        setattr(note, name, list(value) if name == "techniques" else value)
    note.updated_at = now
    db.session.flush()
    record_event(actor, note.patient_id, "edit_note", note, now)


def sign_note(actor: Actor, note: TreatmentNote, now: datetime) -> None:
    """The author signs; from then on the note is closed. Pain before treatment is required:
    it is the outcome measure recorded at every visit."""
    _check_author_of_draft(actor, note)
    if note.pain_before is None:
        raise ValidationFailed("Record the pain score before treatment (0-10) before signing.", "pain_before")
    if not (note.subjective.strip() or note.assessment.strip()):
        raise ValidationFailed("Write at least the subjective or the assessment before signing.", "subjective")
    require_action_recorded(note.patient_id)  # an open emergency red flag holds signing
    note.status, note.signed_at, note.updated_at = NoteStatus.SIGNED, now, now
    db.session.flush()
    record_event(actor, note.patient_id, "sign_note", note, now)


def add_addendum(actor: Actor, note: TreatmentNote, reason: str, body: str, now: datetime) -> NoteAddendum:
    """A correction to a signed note: who, when and why, shown with the note."""
    if not note.signed:
        raise Conflict("A draft can still be edited; addenda are for signed notes.")
    reason, body = reason.strip(), body.strip()
    if not reason:
        raise ValidationFailed("Say why you are adding to the signed note.", "reason")
    if not body:
        raise ValidationFailed("Write the correction or addition.", "body")
    addendum = NoteAddendum(note_id=note.id, author_id=actor.user.id, created_at=now, reason=reason[:200], body=body)
    db.session.add(addendum)
    db.session.flush()
    record_event(actor, note.patient_id, "add_addendum", addendum, now)
    return addendum


def cosign_note(actor: Actor, note: TreatmentNote, now: datetime) -> NoteCosignature:
    """A clinic manager countersigns a signed note; the author's signature stays as it was."""
    if not note.signed:
        raise Conflict("Only a signed note can be co-signed: the practitioner signs it first.")
    if not can_cosign_note(actor.user, note.booking, note):
        raise NotAllowed("Only a manager of this clinic, other than the note's author, can co-sign it.")
    cosignature = NoteCosignature(note_id=note.id, user_id=actor.user.id, signed_at=now)
    try:
        with db.session.begin_nested():
            db.session.add(cosignature)
    except IntegrityError:
        raise Conflict("You have already co-signed this note.") from None
    record_event(actor, note.patient_id, "cosign_note", cosignature, now)
    return cosignature


def not_yours(booking: Booking) -> str:
    return (f"Only {booking.practitioner.display_name}, whose visit this is, can write its note. "
            "A clinic manager can co-sign it once it is signed.")


def _check_author_of_draft(actor: Actor, note: TreatmentNote) -> None:
    if note.signed:
        raise Conflict("This note is signed and can no longer be changed. Add an addendum instead.")
    if note.author_id != actor.user.id or not can_write_note(actor.user, note.booking):
        raise NotAllowed("Only the practitioner who wrote this note can edit or sign it.")


def _check_details(details: NoteDetails) -> None:
    for name in ("pain_before", "pain_after"):
        value = getattr(details, name)
        if value is not None and not 0 <= value <= 10:
            raise ValidationFailed("Pain is scored from 0 (none) to 10 (worst imaginable).", name)
    if details.body_region and details.body_region not in BODY_REGIONS:
        raise ValidationFailed("Choose a body region from the list.", "body_region")
    unknown = set(details.techniques) - set(TECHNIQUES)
    if unknown:
        raise ValidationFailed("Choose techniques from the list.", "techniques")
