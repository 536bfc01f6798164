"""The rules of text messages, as tables: sending hours on the clinic's clock, the words a reply
can be, which provider answers are tried again, and which numbers can receive texts."""

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from clinic_app.notifications.rules import classify_text_failure, next_sending_moment, reply_keyword
from clinic_app.patients.rules import InvalidPhoneNumber, phone_for_texts

NEW_YORK = ZoneInfo("America/New_York")
HONOLULU = ZoneInfo("Pacific/Honolulu")


def at(zone, day, hour, minute=0):
    return datetime(2030, 1, day, hour, minute, tzinfo=zone).astimezone(UTC)


@pytest.mark.parametrize(
    "now, zone, expected",
    [
        (at(NEW_YORK, 8, 7, 59), NEW_YORK, at(NEW_YORK, 8, 8)),  # before 8 AM: at 8 the same day
        (at(NEW_YORK, 8, 8), NEW_YORK, at(NEW_YORK, 8, 8)),  # 8 AM itself: now
        (at(NEW_YORK, 8, 19, 59), NEW_YORK, at(NEW_YORK, 8, 19, 59)),  # the last minute: now
        (at(NEW_YORK, 8, 20), NEW_YORK, at(NEW_YORK, 9, 8)),  # 8 PM: tomorrow at 8
        (at(NEW_YORK, 8, 23, 30), NEW_YORK, at(NEW_YORK, 9, 8)),
        (at(HONOLULU, 8, 21), HONOLULU, at(HONOLULU, 9, 8)),  # the clinic's clock, not UTC's
        (at(HONOLULU, 8, 12), HONOLULU, at(HONOLULU, 8, 12)),
    ],
)
def test_texts_are_sent_only_in_the_clinics_day(now, zone, expected):
    assert next_sending_moment(now, zone, 8, 20) == expected


def test_sending_hours_across_the_spring_change_start_at_8_local():
    night = datetime(2030, 3, 10, 1, 0, tzinfo=NEW_YORK)  # the night clocks go forward
    assert next_sending_moment(night.astimezone(UTC), NEW_YORK, 8, 20) == datetime(2030, 3, 10, 12, tzinfo=UTC)


@pytest.mark.parametrize(
    "body, keyword",
    [("STOP", "stop"), ("stop", "stop"), (" Stop. ", "stop"), ("unsubscribe", "stop"), ("CANCEL", "stop"),
     ("end", "stop"), ("quit", "stop"), ("STOPALL", "stop"), ("START", "start"), ("unstop", "start"),
     ("yes", "start"), ("HELP", "help"), ("info", "help"), ("C", "confirm"), ("c", "confirm"),
     ("confirm", "confirm"), ("X", "cancel"), (" x ", "cancel"), ("please stop", ""), ("", ""), ("CX", "")],
)
def test_a_reply_is_read_as_carriers_read_it(body, keyword):
    assert reply_keyword(body) == keyword


@pytest.mark.parametrize(
    "status, permanent, unreachable",
    [(429, False, False), (500, False, False), (503, False, False), (400, True, False), (404, True, False),
     (None, False, True)],
)
def test_provider_answers_are_retried_only_when_they_can_change(status, permanent, unreachable):
    failure = classify_text_failure(status)
    assert (failure.permanent, failure.server_unreachable) == (permanent, unreachable)


@pytest.mark.parametrize(
    "typed, e164",
    [("(212) 555-0142", "+12125550142"), ("212.555.0142", "+12125550142"), ("+1 212 555 0142", "+12125550142"),
     ("1-212-555-0142", "+12125550142"), ("+44 7911 123456", "+447911123456")],
)
def test_numbers_are_kept_in_e164(typed, e164):
    assert phone_for_texts(typed) == e164


@pytest.mark.parametrize("typed", ["", "555-0100", "(555) 010-0199", "call me", "+1 212 555 01", "12125550142999"])
def test_numbers_no_carrier_could_deliver_to_are_refused(typed):
    with pytest.raises(InvalidPhoneNumber):
        phone_for_texts(typed)
