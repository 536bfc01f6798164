"""Patient records for a partner client: only the patients shared with it, every read and
search written to the audit trail like a member of staff opening a chart (actor: the client),
and every refusal that names a patient too. Draft notes are unfinished work and never leave."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from clinic_app.adherence.models import ExerciseCheckIn
from clinic_app.audit.service import record_system_event
from clinic_app.extensions import db
from clinic_app.fhir import clinical, places
from clinic_app.fhir.ids import decode_id, decode_record_id
from clinic_app.fhir.models import FhirClient
from clinic_app.fhir.partners import shared_patient_ids
from clinic_app.fhir.places import practitioner_reference
from clinic_app.fhir.responses import FhirError, full_url
from clinic_app.patients.models import Patient
from clinic_app.scheduling.models import ATTENDED, Booking, Practitioner
from clinic_app.screening.models import StartBackScreen
from clinic_app.treatments.models import NoteCosignature, NoteStatus, OdiResponse, Programme, TreatmentNote

READ, SEARCH, REFUSED = "fhir_read", "fhir_search", "fhir_refused"


@dataclass(frozen=True)
class Reader:
    """Who is reading (a partner client, or None for a patient reading their own record), from
    which address, and when."""

    client: FhirClient | None
    ip_address: str
    now: datetime

    @property
    def audit_role(self) -> str:
        return self.client.audit_role if self.client else "fhir_anonymous"


@dataclass(frozen=True)
class Found:
    patient_id: int
    resource: dict


def _patients(ids: Iterable[int]) -> dict[int, Patient]:
    return {p.id: p for p in db.session.scalars(select(Patient).where(Patient.id.in_(list(ids))))}


def _bookings(ids: set[int], attended_only: bool = False) -> list[Booking]:
    query = (select(Booking).where(Booking.patient_id.in_(ids))
             .options(selectinload(Booking.clinic), selectinload(Booking.service), selectinload(Booking.patient),
                      selectinload(Booking.practitioner)).order_by(Booking.start_at, Booking.id))
    if attended_only:
        query = query.where(Booking.status.in_(ATTENDED))
    return list(db.session.scalars(query))


def _signed_notes(ids: set[int]) -> list[TreatmentNote]:
    booking = selectinload(TreatmentNote.booking)
    return list(db.session.scalars(
        select(TreatmentNote).where(TreatmentNote.patient_id.in_(ids), TreatmentNote.status == NoteStatus.SIGNED)
        .options(booking.selectinload(Booking.clinic), booking.selectinload(Booking.patient),
                 booking.selectinload(Booking.practitioner), selectinload(TreatmentNote.author),
                 selectinload(TreatmentNote.cosignatures).selectinload(NoteCosignature.user))
        .order_by(TreatmentNote.signed_at, TreatmentNote.id)))


def _odi(ids: set[int]) -> list[OdiResponse]:
    return list(db.session.scalars(select(OdiResponse).where(OdiResponse.patient_id.in_(ids))
                                   .order_by(OdiResponse.taken_at, OdiResponse.id)))


def _startback(ids: set[int]) -> list[StartBackScreen]:
    return list(db.session.scalars(select(StartBackScreen).where(StartBackScreen.patient_id.in_(ids))
                                   .order_by(StartBackScreen.taken_at, StartBackScreen.id)))


def load_patients(ids: set[int]) -> list[Found]:
    return [Found(p.id, clinical.patient(p)) for p in sorted(_patients(ids).values(), key=lambda p: p.id)]


def load_appointments(ids: set[int]) -> list[Found]:
    return [Found(b.patient_id, clinical.appointment(b)) for b in _bookings(ids)]


def load_encounters(ids: set[int]) -> list[Found]:
    return [Found(b.patient_id, clinical.encounter(b)) for b in _bookings(ids, attended_only=True)]


def load_observations(ids: set[int]) -> list[Found]:
    patients = _patients(ids)
    found = [Found(n.patient_id, clinical.nprs_at_visit(n, before)) for n in _signed_notes(ids)
             for before, score in ((True, n.pain_before), (False, n.pain_after)) if score is not None]
    check_ins = db.session.scalars(select(ExerciseCheckIn).where(ExerciseCheckIn.patient_id.in_(ids))
                                   .order_by(ExerciseCheckIn.on_date, ExerciseCheckIn.id))
    found += [Found(c.patient_id, clinical.nprs_check_in(c, patients[c.patient_id])) for c in check_ins]
    found += [Found(o.patient_id, clinical.odi_score(o, patients[o.patient_id])) for o in _odi(ids)
              if o.score is not None]
    return sorted(found, key=lambda f: f.resource["effectiveDateTime"])


def load_questionnaire_responses(ids: set[int]) -> list[Found]:
    """The ODI's answers and the STarT Back's, oldest first."""
    patients = _patients(ids)
    found = [Found(o.patient_id, clinical.questionnaire_response(o, patients[o.patient_id])) for o in _odi(ids)]
    found += [Found(s.patient_id, clinical.startback_response(s, patients[s.patient_id])) for s in _startback(ids)]
    return sorted(found, key=lambda f: f.resource["authored"])


def load_care_plans(ids: set[int]) -> list[Found]:
    programmes = list(db.session.scalars(
        select(Programme).where(Programme.patient_id.in_(ids))
        .options(selectinload(Programme.patient), selectinload(Programme.practitioner), selectinload(Programme.items))
        .order_by(Programme.patient_id, Programme.version)))
    previous: dict[tuple[int, int], Programme] = {(p.patient_id, p.version): p for p in programmes}
    return [Found(p.patient_id, clinical.care_plan(p, previous.get((p.patient_id, p.version - 1))))
            for p in programmes]


def load_provenance(ids: set[int]) -> list[Found]:
    notes = _signed_notes(ids)
    user_ids = {n.author_id for n in notes} | {c.user_id for n in notes for c in n.cosignatures}
    practitioners = db.session.scalars(select(Practitioner).where(Practitioner.user_id.in_(user_ids)))
    refs = {p.user_id: practitioner_reference(p) for p in practitioners}
    return [Found(n.patient_id, clinical.provenance(n, refs)) for n in notes]


LOADERS: dict[str, Callable[[set[int]], list[Found]]] = {
    "Patient": load_patients, "Appointment": load_appointments, "Encounter": load_encounters,
    "Observation": load_observations, "QuestionnaireResponse": load_questionnaire_responses,
    "CarePlan": load_care_plans, "Provenance": load_provenance,
}


def owner_of(resource_type: str, opaque: str) -> int | None:
    """The patient whose record an id names, or None when it names nothing."""
    if resource_type == "Patient":
        key = decode_record_id("Patient", opaque)
        return key if key is not None and db.session.get(Patient, key) is not None else None
    if resource_type == "Observation":
        numbers = decode_id("Observation", opaque, 2)
        if numbers is None:
            return None
        kind, key = numbers
        model = {clinical.ODI: OdiResponse, clinical.NPRS_CHECK_IN: ExerciseCheckIn}.get(kind, TreatmentNote)
        return _patient_of(model, key)
    if resource_type == "QuestionnaireResponse":
        return _questionnaire_owner(opaque)
    model = {"Appointment": Booking, "Encounter": Booking,
             "CarePlan": Programme, "Provenance": TreatmentNote}[resource_type]
    key = decode_record_id(resource_type, opaque)
    return _patient_of(model, key) if key is not None else None


def _questionnaire_owner(opaque: str) -> int | None:
    """An ODI's id holds one number; a STarT Back's two (the kind, then the key)."""
    key = decode_record_id("QuestionnaireResponse", opaque)
    if key is not None:
        return _patient_of(OdiResponse, key)
    numbers = decode_id("QuestionnaireResponse", opaque, 2)
    if numbers is None or numbers[0] != clinical.STARTBACK:
        return None
    return _patient_of(StartBackScreen, numbers[1])


def _patient_of(model, key: int) -> int | None:
    return db.session.scalar(select(model.patient_id).where(model.id == key))


def readable_patients(reader: Reader) -> set[int]:
    return shared_patient_ids(reader.client) if reader.client else set()


def read_resource(reader: Reader, resource_type: str, opaque: str) -> dict:
    """One resource, when its patient is shared with the client; audited either way."""
    patient_id = owner_of(resource_type, opaque)
    if patient_id is None:
        raise FhirError(404, f"No {resource_type} has this id.", "not_found")
    if patient_id not in readable_patients(reader):
        refuse(reader, patient_id, resource_type, "This patient's record is not shared with your client.")
    found = next((f.resource for f in LOADERS[resource_type]({patient_id}) if f.resource["id"] == opaque), None)
    if found is None:  # a draft note's scores, say: not part of the record that leaves
        raise FhirError(404, f"No {resource_type} has this id.", "not_found")
    record_system_event(reader.audit_role, reader.ip_address, patient_id, READ, resource_type, None, reader.now)
    return found


def search_resources(reader: Reader, resource_type: str, patient_ids: list[int] | None) -> list[Found]:
    """The resources of the patients asked for (all shared ones when None); a patient asked for
    who is not shared is refused."""
    readable = readable_patients(reader)
    for patient_id in patient_ids or []:
        if patient_id not in readable:
            refuse(reader, patient_id, resource_type, "This patient's record is not shared with your client.")
    wanted = set(patient_ids) if patient_ids is not None else readable
    return LOADERS[resource_type](wanted) if wanted else []


def audit_shown(reader: Reader, resource_type: str, shown: Iterable[Found]) -> None:
    """One event per patient whose resources a search answer showed."""
    for patient_id in sorted({found.patient_id for found in shown}):
        record_system_event(reader.audit_role, reader.ip_address, patient_id, SEARCH, resource_type, None, reader.now)


class Refused(FhirError):
    """A request about a patient refused: the view writes it to the audit trail (after the
    rollback of the request's work) when it names a patient who exists."""

    def __init__(self, reader: Reader, patient_id: int | None, resource_type: str, status: int, message: str):
        super().__init__(status, message, "forbidden" if status == 403 else "unauthorized")
        self.reader, self.patient_id, self.resource_type = reader, patient_id, resource_type


def refuse(reader: Reader, patient_id: int | None, resource_type: str, message: str, status: int = 403):
    raise Refused(reader, patient_id, resource_type, status, message)


def record_refusal(refused: Refused) -> None:
    reader = refused.reader
    if refused.patient_id is not None and db.session.get(Patient, refused.patient_id) is not None:
        record_system_event(reader.audit_role, reader.ip_address, refused.patient_id, REFUSED, refused.resource_type,
                            None, reader.now)


def patient_export(patient_ids: set[int], exported_at: datetime) -> dict:
    """A patient's own record as one FHIR Bundle (type collection): each patient record joined to
    their account, with its visits, signed notes' scores and signers, questionnaires and
    programmes, and the clinics and practitioners they name. The patient's right of access
    (HIPAA 45 CFR 164.524) in a format another provider's system can read."""
    resources = [found.resource for loader in LOADERS.values() for found in loader(patient_ids)]
    resources += _named_directory(patient_ids)
    return {"resourceType": "Bundle", "type": "collection", "timestamp": clinical.instant(exported_at),
            "entry": [{"fullUrl": full_url(r["resourceType"], r["id"]), "resource": r} for r in resources]}


def _named_directory(patient_ids: set[int]) -> list[dict]:
    """The Organization, and the Locations and Practitioners of the patient's visits."""
    bookings = _bookings(patient_ids) if patient_ids else []
    clinics = {b.clinic.id: b.clinic for b in bookings}
    practitioners = {b.practitioner.id: b.practitioner for b in bookings}
    return [places.organization(), *(places.location(c) for c in clinics.values()),
            *(places.practitioner(p) for p in practitioners.values())]
