"""The resources about patients, built from their records: Patient, Appointment (a booking),
Encounter (a visit attended), Observation (NPRS pain scores at visits and in daily check-ins;
the ODI score), QuestionnaireResponse (an ODI's answers; a STarT Back's answers and result),
CarePlan (a version of the home exercise programme) and Provenance (who signed a treatment note,
and who co-signed it).

Codes: NPRS is LOINC 72514-3 (Pain severity - 0-10 verbal numeric rating [Score] - Reported);
the ODI score is LOINC 97909-6 (Oswestry disability index score ODI), in panel 97908-8."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from markupsafe import escape

from clinic_app.adherence.models import ExerciseCheckIn
from clinic_app.fhir.ids import encode_id
from clinic_app.fhir.places import (
    US_CORE,
    identifier_system,
    location_reference,
    organization_reference,
    practitioner_reference,
    service_type,
)
from clinic_app.fhir.responses import fhir_base
from clinic_app.patients.models import Patient
from clinic_app.scheduling.models import ATTENDED, Booking, BookingStatus
from clinic_app.screening.models import StartBackScreen
from clinic_app.screening.rules import STARTBACK_QUESTIONS
from clinic_app.treatments.models import OdiResponse, Programme, TreatmentNote

LOINC = "http://loinc.org"
NPRS = {"system": LOINC, "code": "72514-3", "display": "Pain severity - 0-10 verbal numeric rating [Score] - Reported"}
ODI_SCORE = {"system": LOINC, "code": "97909-6", "display": "Oswestry disability index score ODI"}
ODI_PANEL = {"system": LOINC, "code": "97908-8", "display": "Oswestry Disability Index"}
SURVEY = {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/observation-category", "code": "survey",
                      "display": "Survey"}]}
APPOINTMENT_STATUS = {BookingStatus.BOOKED: "booked", BookingStatus.ARRIVED: "arrived",
                      BookingStatus.COMPLETED: "fulfilled", BookingStatus.NO_SHOW: "noshow",
                      BookingStatus.CANCELLED: "cancelled"}
ENCOUNTER_STATUS = {BookingStatus.ARRIVED: "in-progress", BookingStatus.COMPLETED: "finished"}
# What kind of Observation an id names (the first number inside it).
NPRS_AT_VISIT_BEFORE, NPRS_AT_VISIT_AFTER, NPRS_CHECK_IN, ODI = 1, 2, 3, 4
# A QuestionnaireResponse id of one number is an ODI's; of two, the first says what kind.
STARTBACK = 1


def instant(moment: datetime) -> str:
    return moment.isoformat(timespec="seconds")


def patient_id(patient_key: int) -> str:
    return encode_id("Patient", patient_key)


def patient_reference(patient: Patient) -> dict:
    return {"reference": f"Patient/{patient_id(patient.id)}", "display": patient.full_name}


def patient(record: Patient) -> dict:
    """US Core asks for a gender; the clinics do not record one, so it is "unknown"."""
    telecom = [{"system": "email", "value": record.email, "use": "home"}]
    if record.phone:
        telecom.append({"system": "phone", "value": record.phone, "use": "mobile"})
    return {
        "resourceType": "Patient", "id": patient_id(record.id), "meta": {"profile": [US_CORE + "us-core-patient"]},
        "identifier": [{"system": identifier_system("patient"), "value": patient_id(record.id)}],
        "active": True, "name": [{"use": "official", "family": record.last_name, "given": [record.first_name]}],
        "telecom": telecom, "gender": "unknown", "birthDate": record.date_of_birth.isoformat(),
        "managingOrganization": organization_reference(),
    }


def appointment_id(booking: Booking) -> str:
    return encode_id("Appointment", booking.id)


def appointment(booking: Booking) -> dict:
    zone = ZoneInfo(booking.clinic.timezone)
    resource = {
        "resourceType": "Appointment", "id": appointment_id(booking),
        "identifier": [{"system": identifier_system("appointment"), "value": booking.reference}],
        "status": APPOINTMENT_STATUS[BookingStatus(booking.status)],
        "serviceType": [service_type(booking.service)],
        "start": instant(booking.start_at.astimezone(zone)), "end": instant(booking.end_at.astimezone(zone)),
        "minutesDuration": booking.service.duration_minutes, "created": instant(booking.created_at),
        "participant": [
            {"actor": patient_reference(booking.patient), "required": "required", "status": "accepted"},
            {"actor": practitioner_reference(booking.practitioner), "required": "required", "status": "accepted"},
            {"actor": location_reference(booking.clinic), "required": "required", "status": "accepted"},
        ],
    }
    if booking.pain_area:
        resource["comment"] = booking.pain_area
    if booking.status == BookingStatus.CANCELLED and booking.cancellation_reason:
        resource["cancelationReason"] = {"text": booking.cancellation_reason}
    return resource


def encounter_id(booking: Booking) -> str:
    return encode_id("Encounter", booking.id)


def encounter(booking: Booking) -> dict:
    """A visit the patient came to (checked in, or seen)."""
    period = {"start": instant(booking.start_at)}
    if booking.status == BookingStatus.COMPLETED:
        period["end"] = instant(booking.end_at)
    return {
        "resourceType": "Encounter", "id": encounter_id(booking), "meta": {"profile": [US_CORE + "us-core-encounter"]},
        "identifier": [{"system": identifier_system("encounter"), "value": booking.reference}],
        "status": ENCOUNTER_STATUS[BookingStatus(booking.status)],
        "class": {"system": "http://terminology.hl7.org/CodeSystem/v3-ActCode", "code": "AMB",
                  "display": "ambulatory"},
        "type": [service_type(booking.service)], "subject": patient_reference(booking.patient),
        "participant": [{"individual": practitioner_reference(booking.practitioner)}],
        "appointment": [{"reference": f"Appointment/{appointment_id(booking)}"}],
        "period": period, "location": [{"location": location_reference(booking.clinic)}],
        "serviceProvider": organization_reference(),
    }


def visit_reference(booking: Booking) -> dict:
    """The Encounter of a visit the patient came to, else its Appointment."""
    if booking.status in ATTENDED:
        return {"reference": f"Encounter/{encounter_id(booking)}"}
    return {"reference": f"Appointment/{appointment_id(booking)}"}


def _score_observation(kind: int, key: int, code: dict, value: float | None, unit: str, when: datetime,
                       patient: Patient, **more) -> dict:
    return {
        "resourceType": "Observation", "id": encode_id("Observation", kind, key), "status": "final",
        "category": [SURVEY], "code": {"coding": [code], "text": code["display"]},
        "subject": patient_reference(patient), "effectiveDateTime": instant(when),
        "valueQuantity": {"value": value, "unit": unit, "system": "http://unitsofmeasure.org",
                          "code": "{score}" if unit == "score" else "%"},
        **more,
    }


def nprs_at_visit(note: TreatmentNote, before: bool) -> dict:
    """The pain score a signed note records before (or after) the treatment of its visit."""
    booking = note.booking
    score = note.pain_before if before else note.pain_after
    when = booking.start_at if before else booking.end_at
    kind = NPRS_AT_VISIT_BEFORE if before else NPRS_AT_VISIT_AFTER
    return _score_observation(kind, note.id, NPRS, score, "score", when, booking.patient,
                              **({"encounter": visit_reference(booking)} if booking.status in ATTENDED else {}),
                              performer=[practitioner_reference(booking.practitioner)],
                              note=[{"text": "Before treatment" if before else "After treatment"}])


def nprs_check_in(entry: ExerciseCheckIn, patient: Patient) -> dict:
    """The pain score a patient gave in a daily check-in (the check-in is for a day: noon UTC
    of that day stands for it)."""
    when = datetime(entry.on_date.year, entry.on_date.month, entry.on_date.day, 12, tzinfo=ZoneInfo("UTC"))
    return _score_observation(NPRS_CHECK_IN, entry.id, NPRS, entry.pain, "score", when, patient,
                              performer=[patient_reference(patient)],
                              note=[{"text": "Daily check-in"}])


def odi_score(odi: OdiResponse, patient: Patient) -> dict:
    answers = {"reference": f"QuestionnaireResponse/{questionnaire_response_id(odi)}"}
    return _score_observation(ODI, odi.id, ODI_SCORE, odi.score or 0.0, "%", odi.taken_at, patient,
                              derivedFrom=[answers], note=[{"text": f"Timepoint: {odi.timepoint}"}])


def questionnaire_response_id(odi: OdiResponse) -> str:
    return encode_id("QuestionnaireResponse", odi.id)


def questionnaire_response(odi: OdiResponse, patient: Patient) -> dict:
    """An ODI's ten sections, each answered 0-5 (a section left blank has no answer)."""
    items = []
    for number, answer in enumerate(odi.answers, start=1):
        item: dict = {"linkId": f"odi-{number}"}
        if answer is not None:
            item["answer"] = [{"valueInteger": answer}]
        items.append(item)
    return {
        "resourceType": "QuestionnaireResponse", "id": questionnaire_response_id(odi),
        "meta": {"profile": [US_CORE + "us-core-questionnaireresponse"]},
        "questionnaire": f"{fhir_base()}/Questionnaire/oswestry-disability-index-2.1a",
        "status": "completed", "subject": patient_reference(patient), "authored": instant(odi.taken_at),
        "author": patient_reference(patient), "item": items,
        "extension": [{"url": f"{fhir_base()}/StructureDefinition/timepoint", "valueCode": odi.timepoint}],
    }


def startback_response_id(screen: StartBackScreen) -> str:
    return encode_id("QuestionnaireResponse", STARTBACK, screen.id)


def startback_response(screen: StartBackScreen, patient: Patient) -> dict:
    """A STarT Back's nine answers in the tool's wording (items 1-8: 1 agree, 0 disagree; item 9:
    0-4, "not at all" to "extremely"), then the total, psychosocial subscale and risk group."""
    items = [_item(f"startback-{number}", text, {"valueInteger": answer})
             for number, (text, answer) in enumerate(zip(STARTBACK_QUESTIONS, screen.answers, strict=True), start=1)]
    items += [_item("startback-total", "Total score (0-9)", {"valueInteger": screen.total}),
              _item("startback-psychosocial", "Psychosocial subscale, items 5-9 (0-5)",
                    {"valueInteger": screen.psychosocial}),
              _item("startback-risk-group", "Risk group (low, medium or high)", {"valueString": screen.risk_group})]
    resource = {
        "resourceType": "QuestionnaireResponse", "id": startback_response_id(screen),
        "meta": {"profile": [US_CORE + "us-core-questionnaireresponse"]},
        "questionnaire": f"{fhir_base()}/Questionnaire/startback-screening-tool",
        "status": "completed", "subject": patient_reference(patient), "authored": instant(screen.taken_at),
        "source": patient_reference(patient), "item": items,
    }
    if screen.source == "patient":
        resource["author"] = patient_reference(patient)
    return resource


def _item(link_id: str, text: str, answer: dict) -> dict:
    return {"linkId": link_id, "text": text, "answer": [answer]}


def care_plan_id(programme: Programme) -> str:
    return encode_id("CarePlan", programme.id)


def care_plan(programme: Programme, replaced: Programme | None) -> dict:
    """A version of the home exercise programme: the current one is active, earlier ones revoked
    (each later version names the one it replaces)."""
    resource = {
        "resourceType": "CarePlan", "id": care_plan_id(programme),
        "meta": {"profile": [US_CORE + "us-core-careplan"]},
        "text": {"status": "generated", "div": _programme_narrative(programme)},
        "status": "active" if programme.replaced_at is None else "revoked", "intent": "plan",
        "category": [{"coding": [{"system": "http://hl7.org/fhir/us/core/CodeSystem/careplan-category",
                                  "code": "assess-plan"}]}],
        "title": f"Home exercise programme, version {programme.version}",
        "subject": patient_reference(programme.patient), "created": instant(programme.created_at),
        "author": practitioner_reference(programme.practitioner),
        "activity": [{"detail": {
            "kind": "ServiceRequest", "status": "in-progress" if programme.replaced_at is None else "stopped",
            "code": {"text": item.exercise.name},
            "description": _dose(item),
        }} for item in programme.items],
    }
    period = {"start": instant(programme.created_at)}
    if programme.replaced_at is not None:
        period["end"] = instant(programme.replaced_at)
    resource["period"] = period
    if replaced is not None:
        resource["replaces"] = [{"reference": f"CarePlan/{care_plan_id(replaced)}"}]
    if programme.notes:
        resource["note"] = [{"text": programme.notes}]
    return resource


def _dose(item) -> str:
    hold = f", hold {item.hold_seconds} s" if item.hold_seconds else ""
    extra = f". {item.notes}" if item.notes else ""
    return f"{item.sets} x {item.reps}{hold}, {item.times_per_day} times a day{extra}"


def _programme_narrative(programme: Programme) -> str:
    rows = "".join(f"<li>{escape(item.exercise.name)}: {escape(_dose(item))}</li>" for item in programme.items)
    return f'<div xmlns="http://www.w3.org/1999/xhtml"><ul>{rows}</ul></div>' if rows else \
        '<div xmlns="http://www.w3.org/1999/xhtml"><p>No exercises.</p></div>'


def provenance_id(note: TreatmentNote) -> str:
    return encode_id("Provenance", note.id)


def provenance(note: TreatmentNote, practitioner_refs: dict[int, dict]) -> dict:
    """Who signed a visit's treatment note, and when; a clinic manager's co-signature as a
    verifier beside the author, never instead. ``practitioner_refs`` maps user ids to
    Practitioner references (a co-signing manager with no practitioner profile is named only)."""
    booking = note.booking
    agents = [{"type": _agent_type("author"), "who": practitioner_refs.get(note.author_id)
               or {"display": note.author.full_name}}]
    agents += [{"type": _agent_type("verifier"), "who": practitioner_refs.get(co.user_id)
                or {"display": co.user.full_name}} for co in note.cosignatures]
    return {
        "resourceType": "Provenance", "id": provenance_id(note),
        "meta": {"profile": [US_CORE + "us-core-provenance"]},
        "target": [visit_reference(booking)] + [
            {"reference": f"Observation/{encode_id('Observation', kind, note.id)}"}
            for kind, score in ((NPRS_AT_VISIT_BEFORE, note.pain_before), (NPRS_AT_VISIT_AFTER, note.pain_after))
            if score is not None],
        "recorded": instant(note.signed_at or note.updated_at),
        "activity": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/v3-DocumentCompletion",
                                 "code": "LA", "display": "legally authenticated"}]},
        "agent": agents, "location": location_reference(booking.clinic),
    }


def _agent_type(code: str) -> dict:
    return {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/provenance-participant-type",
                        "code": code}]}
