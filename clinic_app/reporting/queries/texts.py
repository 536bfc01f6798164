"""Text-message reminders, for head office: are texts delivered, do patients answer them, and
do visits reminded by text end as no-shows less often than those reminded by e-mail only?
Definitions in clinic_app/reporting/definitions.py (TEXT_DEFINITIONS)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import and_, exists, select

from clinic_app.extensions import db
from clinic_app.notifications.models import Channel, OutboxMessage
from clinic_app.reporting.definitions import DELIVERY_FINAL_STATES, EMAIL_REMINDER_KEYS, TEXT_REMINDER_KEYS
from clinic_app.reporting.queries.scope import ReportRange, in_local_range, local_windows, report_clinics
from clinic_app.reporting.queries.sql import count_where
from clinic_app.reporting.statistics import MIN_PATIENTS, Interval, wilson_interval
from clinic_app.scheduling.models import ATTENDED, Booking, BookingStatus


@dataclass(frozen=True)
class Share:
    """``part`` of ``n``, with its Wilson 95% interval; not shown below MIN_PATIENTS cases."""

    part: int
    n: int

    @property
    def shown(self) -> bool:
        return self.n >= MIN_PATIENTS

    @property
    def rate(self) -> float | None:
        return self.part / self.n if self.shown else None

    @property
    def interval(self) -> Interval | None:
        return wilson_interval(self.part, self.n) if self.shown else None


@dataclass(frozen=True)
class TextFigures:
    delivered: Share  # of the texts whose delivery is known
    confirmed: Share  # of the visits reminded by text
    no_show_texted: Share  # of the visits reminded by text with a recorded outcome
    no_show_emailed: Share  # of the visits reminded by e-mail only with a recorded outcome


def text_figures(report: ReportRange) -> TextFigures:
    """The figures for visits (and their reminders) on the report's days at its clinics."""
    in_range = in_local_range(Booking.clinic_id, Booking.start_at, local_windows(report, report_clinics(report)))
    texted = _reminded(Channel.SMS, TEXT_REMINDER_KEYS)
    emailed = _reminded(Channel.EMAIL, EMAIL_REMINDER_KEYS)
    recorded = Booking.status.in_([*ATTENDED, BookingStatus.NO_SHOW])
    no_show = Booking.status == BookingStatus.NO_SHOW
    row = db.session.execute(
        select(
            count_where(texted), count_where(and_(texted, Booking.confirmed_by_text_at.is_not(None))),
            count_where(and_(texted, recorded)), count_where(and_(texted, no_show)),
            count_where(and_(emailed, ~texted, recorded)), count_where(and_(emailed, ~texted, no_show)),
        ).where(in_range)
    ).one()
    return TextFigures(_delivery(in_range), Share(row[1], row[0]), Share(row[3], row[2]), Share(row[5], row[4]))


def _reminded(channel: str, keys: str):
    return exists().where(OutboxMessage.booking_id == Booking.id, OutboxMessage.channel == channel,
                          OutboxMessage.idempotency_key.like(keys), OutboxMessage.sent_at.is_not(None))


def _delivery(in_range) -> Share:
    final = OutboxMessage.delivery_status.in_(DELIVERY_FINAL_STATES)
    known, delivered = db.session.execute(
        select(count_where(final), count_where(OutboxMessage.delivery_status == "delivered"))
        .select_from(OutboxMessage).join(Booking, Booking.id == OutboxMessage.booking_id)
        .where(OutboxMessage.channel == Channel.SMS, in_range)
    ).one()
    return Share(delivered, known)
