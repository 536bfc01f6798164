"""Who has agreed to text messages, at which number. Flush, never commit."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ColumnElement, or_, select, update

from clinic_app.extensions import db
from clinic_app.notifications.texts import number_refuses_texts, numbers_refusing_texts
from clinic_app.patients.models import Patient, TextConsent
from clinic_app.patients.rules import TEXT_CONSENT_WORDING, phone_for_texts


def give_text_consent(patient: Patient, raw_phone: str, source: str, now: datetime,
                      booking_id: int | None = None) -> TextConsent:
    """Record the patient's agreement (the wording, time and source) to texts at this number,
    for all their texts or, with ``booking_id``, about that visit only. Raises
    InvalidPhoneNumber. A patient-wide agreement replaces an earlier one (one number at a time).
    Agreeing again to a number that answered STOP does not undo the STOP: only the number's
    own START does, as carriers require."""
    phone = phone_for_texts(raw_phone)
    if booking_id is None:
        _withdraw(patient.id, now, TextConsent.booking_id.is_(None))
    consent = TextConsent(patient_id=patient.id, phone=phone, wording=TEXT_CONSENT_WORDING, source=source,
                          booking_id=booking_id, given_at=now)
    db.session.add(consent)
    db.session.flush()
    return consent


def set_account_texts(user_id: int, wanted: bool, raw_phone: str, now: datetime) -> None:
    """/my/: texts on (at this number) or off for every patient record of the account. Saving
    the same choice again records nothing new; turning them off ends every agreement, those
    given for one visit included."""
    for patient in db.session.scalars(select(Patient).where(Patient.user_id == user_id)):
        standing = patient_wide_consent(patient.id)
        if not wanted:
            _withdraw(patient.id, now)
        elif standing is None or standing.phone != phone_for_texts(raw_phone):
            give_text_consent(patient, raw_phone, "my", now)


def account_texts_on(user_id: int) -> bool:
    """Whether the account's texts are on (any of its records has a standing agreement)."""
    return db.session.scalar(
        select(TextConsent.id).join(Patient, Patient.id == TextConsent.patient_id)
        .where(Patient.user_id == user_id, TextConsent.withdrawn_at.is_(None), TextConsent.booking_id.is_(None))
        .limit(1)
    ) is not None


def texting_number(patient_id: int, booking_id: int | None = None) -> str | None:
    """The number to text this patient at (about this visit, when given), or None: the latest
    agreement still standing, patient-wide or for the visit, and not a number that said STOP."""
    scope: ColumnElement[bool] = TextConsent.booking_id.is_(None)
    if booking_id is not None:
        scope = or_(scope, TextConsent.booking_id == booking_id)
    phone = db.session.scalar(
        select(TextConsent.phone)
        .where(TextConsent.patient_id == patient_id, TextConsent.withdrawn_at.is_(None), scope)
        .order_by(TextConsent.given_at.desc(), TextConsent.id.desc())
        .limit(1)
    )
    if phone is None or number_refuses_texts(phone):
        return None
    return phone


def texting_numbers(visits: list[tuple[int, int]]) -> dict[int, str]:
    """``texting_number`` for many (patient id, booking id) pairs in two queries: booking id ->
    number, for the visits whose patient may be texted about them."""
    patient_ids = {patient_id for patient_id, _ in visits}
    if not patient_ids:
        return {}
    consents = db.session.execute(
        select(TextConsent.patient_id, TextConsent.booking_id, TextConsent.phone)
        .where(TextConsent.patient_id.in_(patient_ids), TextConsent.withdrawn_at.is_(None))
        .order_by(TextConsent.given_at, TextConsent.id)  # the latest wins below
    ).all()
    refused = numbers_refusing_texts({phone for _, _, phone in consents})
    numbers = {}
    for patient_id, booking_id in visits:
        standing = [phone for pid, bid, phone in consents if pid == patient_id and bid in (None, booking_id)]
        if standing and standing[-1] not in refused:
            numbers[booking_id] = standing[-1]
    return numbers


def patient_wide_consent(patient_id: int) -> TextConsent | None:
    """The agreement covering all the patient's texts, if one stands (for /my/)."""
    return db.session.scalar(
        select(TextConsent)
        .where(TextConsent.patient_id == patient_id, TextConsent.withdrawn_at.is_(None),
               TextConsent.booking_id.is_(None))
        .order_by(TextConsent.given_at.desc(), TextConsent.id.desc())
        .limit(1)
    )


def _withdraw(patient_id: int, now: datetime, *more) -> None:
    db.session.execute(
        update(TextConsent)
        .where(TextConsent.patient_id == patient_id, TextConsent.withdrawn_at.is_(None), *more)
        .values(withdrawn_at=now)
    )
