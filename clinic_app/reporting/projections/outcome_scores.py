"""Every pain (NPRS) and disability (ODI) score that counts as an outcome, with its episode of
care, filed under its clinic and local calendar day, kept current as notes, questionnaires and
bookings change.

The outcome reports need, per patient, the first and latest score at visits on the report's
days. Read from the notes, that means joining them to the bookings to find each visit's clinic
and day: at a million bookings, ~55,000 random reads for a year (bench/README.md). Here the
same rows sit in one narrow table whose indexes hold each patient's scores in time order.

`score_rows` is the one definition of which scores count. After every flush that writes a note,
a questionnaire, or a visit's clinic, start or patient, the rows of what changed are deleted and
selected again from it, in the same transaction; a clinic that changes time zone has its rows
refiled. ``flask reports rebuild`` recomputes the table after a bulk import.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, inspect, literal, select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from clinic_app.clinics.models import Clinic
from clinic_app.reporting.models import OutcomeScore
from clinic_app.reporting.queries.sql import local_date
from clinic_app.scheduling.models import ATTENDED, Booking
from clinic_app.treatments.models import NoteStatus, OdiResponse, TreatmentNote

SCALES: dict[str, type[TreatmentNote] | type[OdiResponse]] = {"nprs": TreatmentNote, "odi": OdiResponse}
COLUMNS = ["scale", "source_id", "episode_id", "booking_id", "clinic_id", "patient_id", "day", "taken_at", "score"]
# What a visit's scores are filed by, and what decides whether its pain score counts.
VISIT_FIELDS = ("clinic_id", "start_at", "patient_id", "status")


def score_rows(scale: str):
    """NPRS: the pain before treatment in each SIGNED note of a visit the patient came to
    (arrived or seen), taken at the visit's start: drafts and no-show visits never count. ODI:
    each scored questionnaire, in its episode, taken when it was answered, filed under the
    clinic where it was taken; one left unscored is not counted."""
    columns: tuple[Any, ...]  # the select's columns, of several types
    if scale == "nprs":
        day = local_date(Booking.start_at, Clinic.timezone)
        columns = (TreatmentNote.id, TreatmentNote.episode_id, Booking.id, Booking.clinic_id, Booking.patient_id, day,
                   Booking.start_at, TreatmentNote.pain_before)
        return (select(literal(scale), *columns).select_from(TreatmentNote)
                .join(Booking, Booking.id == TreatmentNote.booking_id).join(Clinic, Clinic.id == Booking.clinic_id)
                .where(TreatmentNote.pain_before.is_not(None), TreatmentNote.status == NoteStatus.SIGNED,
                       Booking.status.in_(ATTENDED)))
    day = local_date(OdiResponse.taken_at, Clinic.timezone)
    columns = (OdiResponse.id, OdiResponse.episode_id, OdiResponse.booking_id, OdiResponse.clinic_id,
               OdiResponse.patient_id, day, OdiResponse.taken_at, OdiResponse.score)
    return (select(literal(scale), *columns).select_from(OdiResponse)
            .join(Clinic, Clinic.id == OdiResponse.clinic_id).where(OdiResponse.score.is_not(None)))


def _booking_column(scale: str):
    return Booking.id if scale == "nprs" else OdiResponse.booking_id


def _clinic_column(scale: str):
    return Booking.clinic_id if scale == "nprs" else OdiResponse.clinic_id


def refile(connection, scale: str, *, source_ids=None, booking_ids=None, clinic_id=None) -> None:
    """Delete and select again the rows of these notes or questionnaires, these visits, this
    clinic, or (no argument) every row of the scale."""
    source = SCALES[scale]
    cleared = delete(OutcomeScore).where(OutcomeScore.scale == scale)
    rows = score_rows(scale)
    if source_ids is not None:
        cleared, rows = cleared.where(OutcomeScore.source_id.in_(source_ids)), rows.where(source.id.in_(source_ids))
    if booking_ids is not None:
        if scale == "nprs" and connection.dialect.name == "postgresql":
            # A note being signed now has no row yet to wait on: wait on the note itself, so
            # that the select below sees it signed, with this visit's change.
            connection.execute(select(TreatmentNote.id).where(TreatmentNote.booking_id.in_(booking_ids))
                               .with_for_update())
        cleared = cleared.where(OutcomeScore.booking_id.in_(booking_ids))
        rows = rows.where(_booking_column(scale).in_(booking_ids))
    if clinic_id is not None:
        cleared = cleared.where(OutcomeScore.clinic_id == clinic_id)
        rows = rows.where(_clinic_column(scale) == clinic_id)
    connection.execute(cleared)
    # An upsert, not a plain insert: a transaction refiling the same score at the same time (a
    # note saved while its visit is moved) may have inserted it since this one's delete.
    insert_for = postgresql_insert if connection.dialect.name == "postgresql" else sqlite_insert
    statement = insert_for(OutcomeScore).from_select(COLUMNS, rows)
    connection.execute(statement.on_conflict_do_update(
        index_elements=[OutcomeScore.scale, OutcomeScore.source_id],
        set_={name: statement.excluded[name] for name in COLUMNS[2:]}))


def rebuild(connection) -> None:
    for scale in SCALES:
        refile(connection, scale)


def refile_after_flush(session: Session, flush_context) -> None:
    """Runs inside every flush, while the session still lists what it wrote."""
    written = [*session.new, *session.dirty, *session.deleted]
    sources = {scale: {obj.id for obj in written if isinstance(obj, model)} for scale, model in SCALES.items()}
    visits = {obj.id for obj in session.dirty if isinstance(obj, Booking) and _refiled(obj, VISIT_FIELDS)}
    visits |= {obj.id for obj in session.deleted if isinstance(obj, Booking)}
    clinics = {obj.id for obj in session.dirty if isinstance(obj, Clinic) and _refiled(obj, ("timezone",))}
    if not (any(sources.values()) or visits or clinics):
        return
    connection = session.connection()
    for scale in SCALES:
        if sources[scale]:
            refile(connection, scale, source_ids=sources[scale])
        if visits:
            refile(connection, scale, booking_ids=visits)
        for clinic_id in clinics:
            refile(connection, scale, clinic_id=clinic_id)


def _refiled(obj, names: tuple[str, ...]) -> bool:
    state = inspect(obj)
    return any(state.attrs[name].history.has_changes() for name in names)
