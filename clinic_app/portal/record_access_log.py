""""Who looked at my record", read from the audit trail: which staff opened or changed an
account's patient records, when (on the clinic's clock) and at which clinic. Only staff events:
the patient's own check-ins are not news to them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from clinic_app.accounts.models import Role, User
from clinic_app.audit.models import AuditEvent
from clinic_app.booking.timetable import describe_start
from clinic_app.clinics.models import Clinic
from clinic_app.extensions import db
from clinic_app.patients.models import Patient
from clinic_app.scheduling.models import Booking
from clinic_app.treatments.models import TreatmentNote

SHOWN_DAYS = 365
SHOWN_MOST = 200
STAFF_ROLES = tuple(role.value for role in Role if role != Role.PATIENT)

# Each audited action in the patient's words; an action added later reads as its own name.
PLAIN_WORDS = {
    "view_chart": "Opened your chart",
    "read_other_clinic": "Saw what another clinic recorded about you",
    "update_chart": "Changed your chart",
    "record_odi": "Recorded a back-pain questionnaire",
    "open_odi_form": "Opened a back-pain questionnaire for you",
    "list_early_warning": "Saw your exercise check-ins on the practice dashboard",
    "search_patients": "Found you in a search at the clinic's desk",
    "start_note": "Started the note of a visit",
    "view_note": "Opened the note of a visit",
    "edit_note": "Edited the note of a visit",
    "sign_note": "Signed the note of a visit",
    "add_addendum": "Added a correction to a signed note",
    "cosign_note": "Co-signed the note of a visit",
    "view_programme": "Opened your exercise programme",
    "prescribe_programme": "Gave you an exercise programme",
    "mark_arrived": "Checked you in for a visit",
    "mark_completed": "Marked a visit as seen",
    "mark_no_show": "Marked a visit as missed",
    "mark_booked": "Put a visit back to booked",
    "staff_book": "Booked a visit for you",
    "staff_move": "Moved one of your visits",
    "staff_cancel": "Cancelled one of your visits",
    "accept_patient_details": "Updated your name or phone from a booking",
    "keep_patient_details": "Kept your details as they were, not as typed at a booking",
}


@dataclass(frozen=True)
class RecordAccess:
    when: str
    who: str
    role: str
    clinic: str
    what: str
    record: str  # whose record, by first name: an account may hold a child's record too


@dataclass(frozen=True)
class AccountRecordAccess:
    """What the account's "Who looked at my record" page lists."""

    entries: list[RecordAccess]
    more: bool  # more than SHOWN_MOST events in the window
    several_records: bool  # the account holds more than one patient record


def find_record_access(user_id: int, now: datetime) -> AccountRecordAccess:
    """Staff reads and changes of every patient record this account holds, as record_access_for."""
    records = list(db.session.scalars(select(Patient).where(Patient.user_id == user_id).order_by(Patient.id)))
    entries, more = record_access_for(records, now)
    return AccountRecordAccess(entries=entries, more=more, several_records=len(records) > 1)


def record_access_for(records: list[Patient], now: datetime) -> tuple[list[RecordAccess], bool]:
    """Staff reads and changes of these patient records in the last SHOWN_DAYS days, newest
    first, at most SHOWN_MOST; and whether there were more."""
    events = list(db.session.scalars(
        select(AuditEvent)
        .where(AuditEvent.patient_id.in_([record.id for record in records]),
               AuditEvent.actor_role.in_(STAFF_ROLES), AuditEvent.at >= now - timedelta(days=SHOWN_DAYS))
        .options(selectinload(AuditEvent.actor).selectinload(User.clinics))
        .order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
        .limit(SHOWN_MOST + 1)
    ))
    places = _Places(records, events)
    names = {record.id: record.first_name for record in records}
    return [_entry(event, places.clinic_of(event), names[event.patient_id]) for event in events[:SHOWN_MOST]], (
        len(events) > SHOWN_MOST)


def _entry(event: AuditEvent, clinic: Clinic | None, record: str) -> RecordAccess:
    actor = event.actor
    return RecordAccess(
        when=describe_start(event.at.astimezone(ZoneInfo(clinic.timezone if clinic else "UTC"))),
        who=actor.full_name if actor else "A former member of staff",
        role=Role(event.actor_role).label if event.actor_role in STAFF_ROLES else "",
        clinic=clinic.name if clinic else "Head office",
        what=PLAIN_WORDS.get(event.action, event.action.replace("_", " ").capitalize()),
        record=record,
    )


class _Places:
    """The clinic each event happened at: the visit's own clinic for a visit or its note;
    otherwise the clinic where the staff member works that the patient has been to (their
    latest), else the staff member's first clinic. Loaded in three queries for the whole page."""

    def __init__(self, records: list[Patient], events: list[AuditEvent]):
        visits = db.session.scalars(
            select(Booking).where(Booking.patient_id.in_([r.id for r in records]))
            .options(selectinload(Booking.clinic)).order_by(Booking.start_at.desc())
        ).all()
        self.visit_clinic = {visit.id: visit.clinic for visit in visits}
        self.latest_clinics: dict[int, list[Clinic]] = {}
        for visit in visits:
            self.latest_clinics.setdefault(visit.patient_id, []).append(visit.clinic)
        note_ids = [e.object_id for e in events if e.object_type == "TreatmentNote" and e.object_id]
        self.note_visit = dict(db.session.execute(
            select(TreatmentNote.id, TreatmentNote.booking_id).where(TreatmentNote.id.in_(note_ids))
        ).tuples().all()) if note_ids else {}

    def clinic_of(self, event: AuditEvent) -> Clinic | None:
        visit_id = event.object_id if event.object_type == "Booking" else self.note_visit.get(event.object_id or 0)
        if event.object_type in ("Booking", "TreatmentNote") and visit_id in self.visit_clinic:
            return self.visit_clinic[visit_id]
        staff_clinics = event.actor.clinics if event.actor else []
        for clinic in self.latest_clinics.get(event.patient_id, []):
            if clinic in staff_clinics:
                return clinic
        return staff_clinics[0] if staff_clinics else None
