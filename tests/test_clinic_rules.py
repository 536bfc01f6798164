"""Opening hours and "open now", computed on the clinic's own wall clock."""

from datetime import UTC, date, datetime, time

import pytest

from clinic_app.clinics.rules import (
    Interval,
    directions_url,
    is_open_at,
    slug_for,
    weekly_schedule,
    zone_abbreviation,
)

WEEKDAYS_8_TO_6 = [Interval(day, time(8), time(18)) for day in range(5)]


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=UTC)


@pytest.mark.parametrize(
    "zone, moment, expected",
    [
        # Tuesday 2026-11-24, 13:00 UTC is 08:00 in New York (EST, UTC-5): just opened.
        ("America/New_York", utc(2026, 11, 24, 13, 0), True),
        ("America/New_York", utc(2026, 11, 24, 12, 59), False),
        # 23:00 UTC is 18:00 in New York: closing time is exclusive.
        ("America/New_York", utc(2026, 11, 24, 23, 0), False),
        # Phoenix keeps MST (UTC-7) all year: 15:00 UTC is 08:00 in winter and in summer.
        ("America/Phoenix", utc(2026, 1, 13, 15, 0), True),
        ("America/Phoenix", utc(2026, 7, 14, 15, 0), True),
        ("America/Phoenix", utc(2026, 7, 14, 14, 59), False),
        # Denver in summer is MDT (UTC-6): 14:00 UTC is 08:00; in winter it is 07:00.
        ("America/Denver", utc(2026, 7, 14, 14, 0), True),
        ("America/Denver", utc(2026, 1, 13, 14, 0), False),
        # Honolulu (UTC-10, no DST): Wednesday 03:00 UTC is still Tuesday 17:00 there.
        ("Pacific/Honolulu", utc(2026, 11, 25, 3, 0), True),
        # Saturday in Los Angeles although it is already Sunday in UTC: closed on Saturdays here.
        ("America/Los_Angeles", utc(2026, 11, 29, 2, 0), False),
    ],
)
def test_open_now_is_judged_on_the_clinics_own_clock(zone, moment, expected):
    assert is_open_at(WEEKDAYS_8_TO_6, set(), zone, moment) is expected


def test_daylight_saving_start_day_keeps_local_opening_time():
    # 2026-03-09 is the Monday after US clocks went forward: New York is UTC-4.
    assert is_open_at(WEEKDAYS_8_TO_6, set(), "America/New_York", utc(2026, 3, 9, 12, 0)) is True
    assert is_open_at(WEEKDAYS_8_TO_6, set(), "America/New_York", utc(2026, 3, 9, 11, 59)) is False


def test_a_holiday_closure_closes_the_clinic_for_its_local_date():
    thanksgiving = {date(2026, 11, 26)}
    noon_in_new_york = utc(2026, 11, 26, 17, 0)
    assert is_open_at(WEEKDAYS_8_TO_6, thanksgiving, "America/New_York", noon_in_new_york) is False
    # Still the 25th in Honolulu at 03:00 UTC on the 26th: that day is not a holiday there.
    assert is_open_at(WEEKDAYS_8_TO_6, thanksgiving, "Pacific/Honolulu", utc(2026, 11, 26, 3, 0)) is True


def test_split_day_hours_close_over_lunch():
    hours = [Interval(0, time(8), time(12)), Interval(0, time(13), time(17))]
    monday_lunch = utc(2026, 11, 23, 17, 30)  # 12:30 in New York
    assert is_open_at(hours, set(), "America/New_York", monday_lunch) is False
    assert weekly_schedule(hours)[0] == ("Monday", [(time(8), time(12)), (time(13), time(17))])
    assert weekly_schedule(hours)[6] == ("Sunday", [])


def test_zone_abbreviation_follows_daylight_saving_except_in_arizona():
    summer, winter = utc(2026, 7, 1, 12), utc(2026, 1, 1, 12)
    assert zone_abbreviation("America/New_York", summer) == "EDT"
    assert zone_abbreviation("America/New_York", winter) == "EST"
    assert zone_abbreviation("America/Phoenix", summer) == zone_abbreviation("America/Phoenix", winter) == "MST"


def test_directions_link_points_at_the_clinics_coordinates():
    assert directions_url(33.4557, -112.0686) == (
        "https://www.google.com/maps/dir/?api=1&destination=33.455700%2C-112.068600"
    )


def test_slugs_are_lowercase_ascii_with_hyphens():
    assert slug_for("Back Solution St. Louis — Downtown") == "back-solution-st-louis-downtown"
