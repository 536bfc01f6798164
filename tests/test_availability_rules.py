"""The availability engine, as tables: overlaps, buffers, notice, horizon, closures, and the
daylight-saving days in New York, Denver, Phoenix and Honolulu."""

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from clinic_app.scheduling.rules import (
    BookingPolicy,
    BusyTimes,
    PractitionerDay,
    WallInterval,
    available_slots,
    first_available,
    overlaps,
    wall_to_instant,
)


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=UTC)


NINE_TO_FIVE = {day: [WallInterval(time(9), time(17))] for day in range(7)}
ALWAYS_OPEN = {day: [WallInterval(time(0), time(23, 59))] for day in range(7)}
LONG_AGO = utc(2020, 1, 1)  # "now" far in the past: notice and horizon never bite
OPEN_POLICY = BookingPolicy(slot_interval_minutes=30, min_notice_hours=0, horizon_days=100_000)


def slots(
    zone="America/New_York",
    day=date(2026, 6, 15),
    *,
    duration=30,
    buffer=0,
    weekly=NINE_TO_FIVE,
    breaks=None,
    dated=None,
    time_off=(),
    busy=(),
    closures=(),
    now=LONG_AGO,
    policy=OPEN_POLICY,
    opening=ALWAYS_OPEN,
    days=1,
):
    schedule = PractitionerDay(7, weekly, breaks or {}, dated or {}, list(time_off))
    return available_slots(
        zone_name=zone,
        first_day=day,
        days=days,
        duration_minutes=duration,
        buffer_minutes=buffer,
        schedules=[schedule],
        opening=opening,
        closures=set(closures),
        busy={7: list(busy)},
        now=now,
        policy=policy,
    )


def starts(found, zone="America/New_York"):
    return [s.start.astimezone(ZoneInfo(zone)).strftime("%H:%M") for s in found]


# Existing visit 10:00-11:00 New York (14:00-15:00 UTC in June); a new 60-minute visit at...
@pytest.mark.parametrize(
    "case, new_start, clash",
    [
        ("before", utc(2026, 6, 15, 12, 0), False),
        ("touching before", utc(2026, 6, 15, 13, 0), False),
        ("overlapping start", utc(2026, 6, 15, 13, 30), True),
        ("identical", utc(2026, 6, 15, 14, 0), True),
        ("inside", utc(2026, 6, 15, 14, 15), True),
        ("overlapping end", utc(2026, 6, 15, 14, 30), True),
        ("touching after", utc(2026, 6, 15, 15, 0), False),
        ("after", utc(2026, 6, 15, 16, 0), False),
    ],
)
def test_overlap_table(case, new_start, clash):
    existing = (utc(2026, 6, 15, 14, 0), utc(2026, 6, 15, 15, 0))
    new_end = new_start + timedelta(hours=1)
    assert overlaps(new_start, new_end, *existing) is clash
    assert BusyTimes([existing]).clashes(new_start, new_end) is clash


def test_busy_times_see_a_long_interval_that_started_long_before():
    busy = BusyTimes([(utc(2026, 6, 1), utc(2026, 6, 30)), (utc(2026, 6, 10, 9), utc(2026, 6, 10, 10))])
    assert busy.clashes(utc(2026, 6, 20, 9), utc(2026, 6, 20, 10))
    assert not busy.clashes(utc(2026, 7, 1, 9), utc(2026, 7, 1, 10))


def test_a_free_day_is_a_grid_of_slots_that_end_by_closing():
    found = slots(duration=60)
    assert starts(found)[0] == "09:00" and starts(found)[-1] == "16:00"
    assert len(found) == 15  # 09:00, 09:30, ... 16:00


def test_an_existing_booking_and_its_buffer_block_the_time():
    # Booked 10:00-10:30 with a 15-minute buffer: blocked until 10:45 (14:45 UTC).
    found = slots(busy=[(utc(2026, 6, 15, 14, 0), utc(2026, 6, 15, 14, 45))])
    assert "10:00" not in starts(found) and "10:30" not in starts(found)
    assert "09:30" in starts(found) and "11:00" in starts(found)


def test_the_new_visits_own_buffer_must_not_run_into_the_next_booking():
    busy = [(utc(2026, 6, 15, 14, 0), utc(2026, 6, 15, 14, 30))]  # 10:00-10:30
    assert "09:30" in starts(slots(busy=busy))
    assert "09:30" not in starts(slots(busy=busy, buffer=10))  # 09:30-10:00 + 10 min buffer reaches 10:10


@pytest.mark.parametrize(
    "policy, now, first",
    [
        (BookingPolicy(30, min_notice_hours=2), utc(2026, 6, 15, 13, 10), "11:30"),  # 09:10 + 2 h -> 11:10
        (BookingPolicy(30, min_notice_hours=0), utc(2026, 6, 15, 13, 10), "09:30"),
        (BookingPolicy(30, min_notice_hours=0, no_same_day=True), utc(2026, 6, 15, 13, 10), None),
    ],
)
def test_minimum_notice_and_no_same_day(policy, now, first):
    found = slots(now=now, policy=policy)
    assert (starts(found)[0] if found else None) == first


def test_nothing_is_offered_beyond_the_horizon():
    policy = BookingPolicy(30, min_notice_hours=0, horizon_days=3)
    now = utc(2026, 6, 15, 12, 0)
    found = slots(day=date(2026, 6, 15), days=7, now=now, policy=policy)
    assert {s.start.date() for s in found} == {date(2026, 6, d) for d in range(15, 19)}


def test_holiday_closures_breaks_time_off_and_dated_hours():
    day = date(2026, 6, 15)  # a Monday
    assert slots(closures=[day]) == []
    lunch = slots(breaks={0: [WallInterval(time(12), time(13))]})
    assert "12:00" not in starts(lunch) and "12:30" not in starts(lunch) and "13:00" in starts(lunch)
    off = slots(time_off=[(utc(2026, 6, 15, 13), utc(2026, 6, 15, 17))])  # 09:00-13:00 New York
    assert starts(off)[0] == "13:00"
    short = slots(dated={day: [WallInterval(time(14), time(15))]})
    assert starts(short) == ["14:00", "14:30"]


def test_slots_stay_inside_the_clinics_opening_hours():
    opening = {0: [WallInterval(time(10), time(12))]}
    assert starts(slots(opening=opening, duration=60)) == ["10:00", "10:30", "11:00"]


def test_first_available_keeps_one_slot_per_start():
    found = available_slots(
        zone_name="America/New_York",
        first_day=date(2026, 6, 15),
        days=1,
        duration_minutes=30,
        buffer_minutes=0,
        schedules=[PractitionerDay(1, NINE_TO_FIVE), PractitionerDay(2, NINE_TO_FIVE)],
        opening=ALWAYS_OPEN,
        closures=set(),
        busy={1: [(utc(2026, 6, 15, 13), utc(2026, 6, 15, 13, 30))]},
        now=LONG_AGO,
        policy=OPEN_POLICY,
    )
    chosen = first_available(found)
    assert len(chosen) == 16 and chosen[0].practitioner_id == 2 and chosen[1].practitioner_id == 1


NIGHT = {6: [WallInterval(time(1), time(4))]}  # Sunday 01:00-04:00, when the clocks change


@pytest.mark.parametrize(
    "zone, day, expected_utc",
    [
        # Spring forward, Sunday 8 March 2026: 02:00-02:59 does not exist where DST is kept.
        ("America/New_York", date(2026, 3, 8), ["06:00", "06:30", "07:00", "07:30"]),
        ("America/Denver", date(2026, 3, 8), ["08:00", "08:30", "09:00", "09:30"]),
        ("America/Phoenix", date(2026, 3, 8), ["08:00", "08:30", "09:00", "09:30", "10:00", "10:30"]),
        ("Pacific/Honolulu", date(2026, 3, 8), ["11:00", "11:30", "12:00", "12:30", "13:00", "13:30"]),
        # Fall back, Sunday 1 November 2026: 01:00-01:59 happens twice; slots use the first.
        ("America/New_York", date(2026, 11, 1), ["05:00", "05:30", "07:00", "07:30", "08:00", "08:30"]),
        ("America/Denver", date(2026, 11, 1), ["07:00", "07:30", "09:00", "09:30", "10:00", "10:30"]),
        ("America/Phoenix", date(2026, 11, 1), ["08:00", "08:30", "09:00", "09:30", "10:00", "10:30"]),
        ("Pacific/Honolulu", date(2026, 11, 1), ["11:00", "11:30", "12:00", "12:30", "13:00", "13:30"]),
    ],
)
def test_daylight_saving_days(zone, day, expected_utc):
    found = slots(zone=zone, day=day, weekly=NIGHT)
    assert [s.start.strftime("%H:%M") for s in found] == expected_utc
    assert all(s.end - s.start == timedelta(minutes=30) for s in found)  # real minutes, not wall minutes


@pytest.mark.parametrize(
    "zone, before, after",
    [
        ("America/New_York", "13:00", "14:00"),  # 09:00 EDT on Friday 30 Oct, 09:00 EST on Monday 2 Nov
        ("America/Denver", "15:00", "16:00"),
        ("America/Phoenix", "16:00", "16:00"),  # no daylight saving: the same instant all year
        ("Pacific/Honolulu", "19:00", "19:00"),
    ],
)
def test_a_nine_oclock_visit_stays_at_nine_on_the_wall_across_the_change(zone, before, after):
    friday = slots(zone=zone, day=date(2026, 10, 30))[0].start
    monday = slots(zone=zone, day=date(2026, 11, 2))[0].start
    assert (friday.strftime("%H:%M"), monday.strftime("%H:%M")) == (before, after)
    assert friday.astimezone(ZoneInfo(zone)).hour == monday.astimezone(ZoneInfo(zone)).hour == 9


def test_a_visit_across_spring_forward_lasts_its_real_length():
    # 60 minutes from 01:30 EST ends at 03:30 EDT: inside hours that end at 04:00.
    found = slots(day=date(2026, 3, 8), weekly=NIGHT, duration=60)
    assert starts(found) == ["01:00", "01:30", "03:00"]


def test_wall_to_instant_refuses_a_time_the_clocks_skip():
    assert wall_to_instant(date(2026, 3, 8), time(2, 30), ZoneInfo("America/New_York")) is None
    assert wall_to_instant(date(2026, 3, 8), time(2, 30), ZoneInfo("America/Phoenix")) == utc(2026, 3, 8, 9, 30)
