"""Episodes of care: a visit the patient came to belongs to the episode open at its start, or
opens one (it is then the intake visit); the practitioner discharges with a reason, and an
episode with no visit for EPISODE_AUTO_CLOSE_DAYS closes itself when it is next read
(close_lapsed_episode, with ``now`` passed in). Flush, never commit."""

from __future__ import annotations

from datetime import datetime

from flask import current_app
from sqlalchemy import select

from clinic_app.accounts.policy import can_discharge_episode
from clinic_app.audit.service import Actor, record_event
from clinic_app.errors import Conflict, NotAllowed, ValidationFailed
from clinic_app.extensions import db
from clinic_app.scheduling.models import ATTENDED, Booking
from clinic_app.treatments.models import Episode, NoteStatus, OdiResponse, TreatmentNote
from clinic_app.treatments.rules import AUTO_CLOSE_REASON, DISCHARGE_REASONS, episode_lapsed, lapsed_at


def auto_close_days() -> int:
    return current_app.config["EPISODE_AUTO_CLOSE_DAYS"]


def episodes_of(patient_id: int) -> list[Episode]:
    """The patient's episodes, oldest first."""
    return list(db.session.scalars(select(Episode).where(Episode.patient_id == patient_id)
                                   .order_by(Episode.opened_at, Episode.id)))


def open_episode(patient_id: int) -> Episode | None:
    return db.session.scalar(select(Episode).where(Episode.patient_id == patient_id, Episode.discharged_at.is_(None)))


def episode_for_visit(booking: Booking) -> Episode:
    """The episode a visit's records belong to: the one covering its start (opened at or
    before it, and not discharged before it); an open one that had lapsed by then is closed
    first. With none, the visit opens a new episode as its intake visit."""
    episode = db.session.scalar(
        select(Episode).where(Episode.patient_id == booking.patient_id, Episode.opened_at <= booking.start_at)
        .order_by(Episode.opened_at.desc(), Episode.id.desc()).limit(1))
    if episode is not None and episode.open:
        if not _close_if_lapsed(episode, booking.start_at, before=booking.start_at):
            return episode
    elif episode is not None and episode.discharged_at is not None and booking.start_at <= episode.discharged_at:
        return episode
    if open_episode(booking.patient_id) is not None:
        raise Conflict("This visit came before the patient's current episode of care began and after the "
                       "previous one ended, so it belongs to no episode.")
    return _open(booking)


def close_lapsed_episode(patient_id: int, now: datetime) -> Episode | None:
    """Close the patient's open episode if no visit has followed for the configured days
    (applied on read); returns it when it was closed."""
    episode = open_episode(patient_id)
    if episode is not None and _close_if_lapsed(episode, now, before=now):
        return episode
    return None


def discharge_episode(actor: Actor, episode: Episode, reason: str, now: datetime) -> None:
    """The practitioner discharges the patient from an open episode, with a reason."""
    if reason not in DISCHARGE_REASONS:
        raise ValidationFailed("Choose why the episode of care ends.", "reason")
    if not can_discharge_episode(actor.user, episode.clinic_id):
        raise NotAllowed("Only the clinic's practitioners and managers can discharge a patient from its episode "
                         "of care.")
    if not episode.open:
        raise Conflict("This episode of care has already ended.")
    episode.discharged_at, episode.discharge_reason, episode.discharged_by_id = now, reason, actor.user.id
    db.session.flush()
    record_event(actor, episode.patient_id, "discharge_episode", episode, now)


def last_visit_at(episode: Episode, before: datetime) -> datetime:
    """The start of the episode's latest visit the patient came to, before ``before`` (its
    intake visit's start when there is none later)."""
    latest = db.session.scalar(
        select(Booking.start_at).where(Booking.patient_id == episode.patient_id, Booking.status.in_(ATTENDED),
                                       Booking.start_at >= episode.opened_at, Booking.start_at < before)
        .order_by(Booking.start_at.desc()).limit(1))
    return latest or episode.opened_at


def _close_if_lapsed(episode: Episode, at: datetime, before: datetime) -> bool:
    days = auto_close_days()
    last = last_visit_at(episode, before)
    if not episode_lapsed(last, at, days):
        return False
    episode.discharged_at, episode.discharge_reason = lapsed_at(last, days), AUTO_CLOSE_REASON
    db.session.flush()
    return True


def _open(booking: Booking) -> Episode:
    episode = Episode(patient_id=booking.patient_id, clinic_id=booking.clinic_id, intake_booking_id=booking.id,
                      opened_at=booking.start_at)
    db.session.add(episode)
    db.session.flush()
    return episode


def episode_scores(episode: Episode) -> tuple[list[int], list[float]]:
    """The episode's outcome scores, oldest first: the pain before treatment in each signed note
    of a visit the patient came to, and each scored Oswestry questionnaire (the outcome rule's
    input, as on the chart and in head office's figures)."""
    pain = db.session.scalars(
        select(TreatmentNote.pain_before).join(Booking, Booking.id == TreatmentNote.booking_id)
        .where(TreatmentNote.episode_id == episode.id, TreatmentNote.status == NoteStatus.SIGNED,
               TreatmentNote.pain_before.is_not(None), Booking.status.in_(ATTENDED))
        .order_by(Booking.start_at))
    odi = db.session.scalars(
        select(OdiResponse.score).where(OdiResponse.episode_id == episode.id, OdiResponse.score.is_not(None))
        .order_by(OdiResponse.taken_at, OdiResponse.id))
    return [int(score) for score in pain if score is not None], [float(score) for score in odi if score is not None]


def latest_episode(patient_ids: list[int]) -> Episode | None:
    """The most recently opened episode of any of these patient records (one person's)."""
    return db.session.scalar(select(Episode).where(Episode.patient_id.in_(patient_ids))
                             .order_by(Episode.opened_at.desc(), Episode.id.desc()).limit(1))
