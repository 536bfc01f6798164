"""Head-office network reporting: every figure on hand-built data, with exact values.

The network: clinic A in New York (EST, UTC-5), clinic B in Phoenix (MST, UTC-7) and clinic C
in New York with nothing at all. The report covers Monday 2 to Friday 6 February 2026 (no
clock change), so a visit at 23:59 local on the Friday is in and one at 00:00 on the Saturday
is out, whatever the UTC date.
"""

from __future__ import annotations

import csv
import io
import itertools
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from html.parser import HTMLParser
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from clinic_app.adherence.models import CheckInExercise, ExerciseCheckIn
from clinic_app.adherence.rules import CheckIn, Feeling, effect_by_exercise
from clinic_app.clinics.models import ClinicClosure
from clinic_app.clinics.rules import Interval
from clinic_app.extensions import db
from clinic_app.patients.models import Patient
from clinic_app.reporting.queries.adherence import effect_by_category
from clinic_app.reporting.queries.adherence import (
    effect_by_exercise as sql_effect_by_exercise,
)
from clinic_app.reporting.queries.bookings import booking_figures
from clinic_app.reporting.queries.capacity import available_minutes
from clinic_app.reporting.queries.outcomes import nprs_figures, odi_figures
from clinic_app.reporting.queries.scope import ReportRange, report_clinics
from clinic_app.scheduling.models import Booking, DatedHours, TimeOff, WorkingHours
from clinic_app.scheduling.service import WeeklyInterval
from clinic_app.treatments.episodes import episode_for_visit
from clinic_app.treatments.models import Exercise, OdiResponse, Programme, TreatmentNote
from tests.factories import make_clinic, make_note, make_practitioner, make_service, make_user

NEW_YORK, PHOENIX = ZoneInfo("America/New_York"), ZoneInfo("America/Phoenix")
WEEK = ReportRange(date(2026, 2, 2), date(2026, 2, 6))
WEEK_ARGS = "since=2026-02-02&until=2026-02-06"
_numbers = itertools.count(1)


def local(zone: ZoneInfo, text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=zone).astimezone(UTC)


@dataclass
class Network:
    a: object
    b: object
    c: object
    visits: dict
    patients: dict
    programmes: dict
    exercises: dict


def add_patient(name: str) -> Patient:
    patient = Patient(first_name=name, last_name="Example", email=f"{name.lower()}@example.com",
                      date_of_birth=date(1980, 1, 1))
    db.session.add(patient)
    db.session.flush()
    return patient


def add_visit(clinic, practitioner, service, patient, start: datetime, status="completed", source="online",
              lead=timedelta(days=1), new_patient=False, cancelled_before: timedelta | None = None) -> Booking:
    n = next(_numbers)
    booking = Booking(
        reference=f"R{n:06d}", clinic_id=clinic.id, practitioner_id=practitioner.id, service_id=service.id,
        patient_id=patient.id, start_at=start, end_at=start + timedelta(minutes=30),
        blocked_until=start + timedelta(minutes=30), status=status, source=source, new_patient=new_patient,
        manage_token_hash=f"{n:064d}", created_at=start - lead,
        cancelled_at=start - cancelled_before if cancelled_before is not None else None,
    )
    db.session.add(booking)
    db.session.flush()
    return booking


def add_note(booking: Booking, author, pain: int, signed: bool = True) -> None:
    make_note(booking, author, pain, signed=signed)


def add_odi(patient, booking: Booking, score: float | None, taken_at: datetime) -> None:
    db.session.add(OdiResponse(patient_id=patient.id, booking_id=booking.id, clinic_id=booking.clinic_id,
                               episode_id=episode_for_visit(booking).id, taken_at=taken_at, timepoint="progress",
                               answers=[0] * 10, score=score))
    db.session.flush()


def add_programme(patient, practitioner, created_at: datetime, version=1, replaced_at=None) -> Programme:
    n = next(_numbers)
    clinic_id = db.session.scalar(select(WorkingHours.clinic_id).where(WorkingHours.practitioner_id == practitioner.id)
                                  .limit(1))  # prescribed where the practitioner works
    programme = Programme(patient_id=patient.id, practitioner_id=practitioner.id, version=version, clinic_id=clinic_id,
                          created_at=created_at, replaced_at=replaced_at, access_token_hash=f"p{n:063d}")
    db.session.add(programme)
    db.session.flush()
    return programme


def add_check_in(programme, on: date, pain: int, feeling: str | None, sets: dict) -> None:
    entry = ExerciseCheckIn(patient_id=programme.patient_id, programme_id=programme.id, on_date=on, pain=pain,
                            feeling=feeling)
    entry.exercises = [CheckInExercise(exercise_id=exercise.id, sets_done=n) for exercise, n in sets.items()]
    db.session.add(entry)


def add_exercise(slug: str, category: str) -> Exercise:
    exercise = Exercise(slug=slug, name=slug.replace("-", " ").capitalize(), category=category, instructions="-")
    db.session.add(exercise)
    return exercise


@pytest.fixture
def network(app) -> Network:
    a = make_clinic(name="A New York", timezone="America/New_York")
    b = make_clinic(name="B Phoenix", city="Phoenix", state="AZ", zip_code="85004", latitude=33.45,
                    longitude=-112.07, timezone="America/Phoenix")
    c = make_clinic(name="C Empty", timezone="America/New_York")
    service = make_service(clinics=[a, b], duration_minutes=30)
    lunch = [WeeklyInterval(day, time(12), time(13)) for day in range(5)]
    pa = make_practitioner(a, services=[service], breaks=lunch)
    pb = make_practitioner(b, services=[service])
    author = make_user("practitioner", clinics=[a, b])
    db.session.add(ClinicClosure(clinic_id=a.id, closed_on=date(2026, 2, 4)))  # a Wednesday
    db.session.add(TimeOff(practitioner_id=pa.id, start_at=local(NEW_YORK, "2026-02-05 14:00"),
                           end_at=local(NEW_YORK, "2026-02-05 16:00")))
    x, y, z, w = (add_patient(name) for name in ("Xena", "Yuri", "Zoe", "Walt"))

    def at_a(text, patient, **kw):
        return add_visit(a, pa, service, patient, local(NEW_YORK, text), **kw)

    def at_b(text, patient, **kw):
        return add_visit(b, pb, service, patient, local(PHOENIX, text), **kw)

    visits = {
        1: at_a("2026-02-02 10:00", x, lead=timedelta(days=3), new_patient=True),
        2: at_a("2026-02-02 11:00", y, status="no_show", source="staff"),
        3: at_a("2026-02-03 10:00", y, status="cancelled", lead=timedelta(days=2), cancelled_before=timedelta(hours=2)),
        4: at_a("2026-02-03 11:00", z, status="cancelled", source="staff", lead=timedelta(days=4), new_patient=True,
                cancelled_before=timedelta(hours=24)),
        5: at_a("2026-02-06 23:59", x, status="booked", source="walk_in", lead=timedelta(hours=12)),
        # Just outside the week (cancelled, so they may touch the visits at 23:59 and 00:00).
        6: at_a("2026-02-07 00:00", x, status="cancelled", cancelled_before=timedelta(days=1)),
        7: at_a("2026-02-02 00:00", y, status="arrived", source="api"),
        0: at_a("2026-02-01 23:59", z, status="cancelled", cancelled_before=timedelta(days=1)),
        8: at_b("2026-02-04 09:00", w, source="demo", lead=timedelta(days=10), new_patient=True),
        9: at_b("2026-02-06 23:59", w, status="booked"),
        10: at_b("2026-02-07 00:00", w, status="cancelled", cancelled_before=timedelta(days=1)),
        # Follow-up visits after the week: their scores are the episodes' latest.
        11: at_a("2026-02-10 10:00", x),
        12: at_b("2026-02-11 09:00", w),
    }
    # Episodes (each opened by its first note): Xena at A on Monday, Yuri at A on Monday (00:00),
    # Walt at B on Wednesday. Scores that never count: a no-show's (Yuri's visit 2), a booked
    # visit's (Xena's 5, Walt's 9), a draft's (Xena's visit 5), an unscored questionnaire.
    for number, pain, signed in ((7, 6, True), (2, 5, True), (1, 8, True), (8, 3, True), (9, 2, True),
                                 (5, 0, False), (11, 5, True), (12, 2, True)):
        add_note(visits[number], author, pain, signed)
    add_odi(x, visits[1], 40.0, visits[1].start_at)
    add_odi(x, visits[11], 28.0, visits[11].start_at)  # exactly 30% and 12 points: improved
    add_odi(y, visits[7], 20.0, visits[7].start_at)
    add_odi(y, visits[7], None, visits[7].start_at + timedelta(minutes=5))  # too few answers: no score
    add_odi(w, visits[8], 12.0, visits[8].start_at)
    add_odi(w, visits[12], 4.0, visits[12].start_at)  # 8 points, 67%: improved

    exercises = {"cat": add_exercise("cat-stretch", "stretch"), "hug": add_exercise("knee-hug", "stretch"),
                 "dog": add_exercise("bird-dog", "core_stabilisation")}
    db.session.flush()
    programmes = {
        "x1": add_programme(x, pa, datetime(2026, 1, 20, 15, tzinfo=UTC),
                            replaced_at=datetime(2026, 2, 2, 16, tzinfo=UTC)),
        "x2": add_programme(x, pa, datetime(2026, 2, 2, 16, tzinfo=UTC), version=2),  # 11:00 in New York
        "y": add_programme(y, pa, datetime(2026, 2, 3, 4, 30, tzinfo=UTC)),  # still 2 February in New York
        "w": add_programme(w, pb, datetime(2026, 2, 4, 17, tzinfo=UTC)),
        "z": add_programme(z, pa, datetime(2026, 1, 30, 17, tzinfo=UTC)),  # before any visit: no clinic
    }
    cat, hug, dog = exercises["cat"], exercises["hug"], exercises["dog"]
    add_check_in(programmes["x1"], date(2026, 1, 21), 8, "better", {cat: 1})
    add_check_in(programmes["x2"], date(2026, 2, 2), 7, "better", {cat: 2, dog: 1})
    add_check_in(programmes["x2"], date(2026, 2, 5), 6, "same", {cat: 1})
    add_check_in(programmes["x2"], date(2026, 2, 9), 6, None, {cat: 0})  # logged, but nothing done
    add_check_in(programmes["y"], date(2026, 2, 3), 5, "worse", {hug: 1, cat: 1})
    add_check_in(programmes["y"], date(2026, 2, 17), 4, "better", {dog: 1})
    add_check_in(programmes["z"], date(2026, 2, 3), 3, "better", {cat: 1})
    db.session.commit()
    return Network(a, b, c, visits, {"x": x, "y": y, "z": z, "w": w}, programmes, exercises)


def figures_for(report, compute):
    clinics = report_clinics(report)
    return compute(report, clinics)


# --- bookings ---------------------------------------------------------------------------------

def test_booking_figures_count_each_clinics_own_calendar_days(network):
    figures = figures_for(WEEK, booking_figures)
    a, b, c = figures[network.a.id], figures[network.b.id], figures[network.c.id]
    assert (a.bookings, a.new_patients, a.cancelled, a.late_cancelled) == (6, 1, 2, 1)
    assert (a.attended, a.no_shows, a.online, a.staff, a.other_source) == (2, 1, 3, 3, 0)
    assert a.lead_seconds == int(11.5 * 86400)
    assert a.booked_minutes == 4 * 30
    assert (b.bookings, b.new_patients, b.cancelled, b.attended, b.no_shows, b.online, b.other_source) == (
        2, 1, 0, 1, 0, 1, 1)
    assert b.mean_lead_days == 5.5
    assert (c.bookings, c.no_show_rate, c.mean_lead_days, c.online_share) == (0, None, None, None)


def test_a_visit_at_2359_on_the_last_day_is_in_and_midnight_after_is_out(network):
    last_day = ReportRange(date(2026, 2, 6), date(2026, 2, 6))
    figures = figures_for(last_day, booking_figures)
    assert figures[network.a.id].bookings == 1  # visit 5 at 23:59, not visit 6 at 00:00
    assert figures[network.b.id].bookings == 1
    saturday = figures_for(ReportRange(date(2026, 2, 7), date(2026, 2, 7)), booking_figures)
    assert (saturday[network.a.id].bookings, saturday[network.b.id].bookings) == (1, 1)


def test_a_visit_at_midnight_on_the_first_day_is_in_and_2359_before_is_out(network):
    monday = figures_for(ReportRange(date(2026, 2, 2), date(2026, 2, 2)), booking_figures)
    assert monday[network.a.id].bookings == 3  # 00:00, 10:00 and 11:00; not Sunday 23:59
    sunday = figures_for(ReportRange(date(2026, 2, 1), date(2026, 2, 1)), booking_figures)
    assert sunday[network.a.id].bookings == 1


def test_cancelling_exactly_24_hours_ahead_is_not_late(network):
    figures = figures_for(ReportRange(date(2026, 2, 3), date(2026, 2, 3)), booking_figures)[network.a.id]
    assert (figures.cancelled, figures.late_cancelled) == (2, 1)


def test_one_clinic_report_reads_only_that_clinic(network):
    report = ReportRange(WEEK.first_day, WEEK.last_day, network.b.id)
    assert list(figures_for(report, booking_figures)) == [network.b.id]


# --- utilisation ------------------------------------------------------------------------------

def test_available_minutes_follow_hours_breaks_closures_and_time_off(network):
    minutes = figures_for(WEEK, available_minutes)
    # A: 7 h a day (9-5 less lunch) on 4 days (closed Wednesday), less 2 h off on Thursday.
    assert minutes[network.a.id] == 4 * 420 - 120
    assert minutes[network.b.id] == 5 * 480
    assert minutes[network.c.id] == 0


def test_dated_hours_replace_the_weekly_hours_of_their_day(network):
    practitioner_id = network.visits[1].practitioner_id
    db.session.add(DatedHours(practitioner_id=practitioner_id, clinic_id=network.a.id, on_date=date(2026, 2, 3),
                              starts=time(10), ends=time(12)))
    db.session.commit()
    assert figures_for(WEEK, available_minutes)[network.a.id] == 4 * 420 - 120 - (420 - 120)


def test_available_minutes_count_real_time_across_a_clock_change(app):
    small_hours = (Interval(6, time(0), time(4)),)  # Sundays, midnight to 4 am
    clinic = make_clinic(name="Night clinic", timezone="America/New_York", hours=small_hours)
    make_practitioner(clinic, hours=small_hours)
    minutes = figures_for(ReportRange(date(2026, 3, 1), date(2026, 3, 8)), available_minutes)
    assert minutes[clinic.id] == 240 + 180  # 8 March: the clocks skip 2 to 3 am
    minutes = figures_for(ReportRange(date(2026, 11, 1), date(2026, 11, 1)), available_minutes)
    assert minutes[clinic.id] == 300  # 1 November: 1 to 2 am happens twice


# --- outcomes ---------------------------------------------------------------------------------

def test_nprs_outcomes_judge_each_episode_intake_to_latest_and_count_those_without_follow_up(network):
    by_clinic, whole = figures_for(WEEK, nprs_figures)
    a, b, c = by_clinic[network.a.id], by_clinic[network.b.id], by_clinic[network.c.id]
    # Xena 8 -> 5 (3 points, 37.5%): improved; Yuri 6 and nothing that counts since (his no-show's
    # signed 5 does not): no follow-up.
    assert (a.episodes, a.followed_up, a.no_follow_up, a.improved, a.unchanged, a.worse) == (2, 1, 1, 1, 0, 0)
    assert (a.improved_share, a.mean_improvement) == (0.5, 3.0)
    # Walt 3 -> 2: a third of his intake score, but one point: unchanged.
    assert (b.episodes, b.followed_up, b.improved, b.unchanged, b.improved_share, b.mean_improvement) == (
        1, 1, 0, 1, 0.0, 1.0)
    assert (c.episodes, c.improved_share, c.mean_improvement) == (0, None, None)
    assert (whole.episodes, whole.followed_up, whole.no_follow_up, whole.improved, whole.improvement_total) == (
        3, 2, 1, 1, 4.0)


def test_drafts_and_no_show_visits_never_count_in_outcomes(network):
    signed_elsewhere = add_visit(network.a, db.session.get(Booking, network.visits[1].id).practitioner,
                                 db.session.get(Booking, network.visits[1].id).service, network.patients["y"],
                                 local(NEW_YORK, "2026-02-12 10:00"))
    add_note(signed_elsewhere, make_user("practitioner", clinics=[network.a]), 1, signed=False)
    db.session.commit()
    by_clinic, _ = figures_for(WEEK, nprs_figures)
    assert (by_clinic[network.a.id].followed_up, by_clinic[network.a.id].no_follow_up) == (1, 1)  # Yuri: still none
    note = db.session.scalar(select(TreatmentNote).where(TreatmentNote.booking_id == signed_elsewhere.id))
    note.status, note.signed_at = "signed", signed_elsewhere.end_at
    db.session.commit()
    by_clinic, _ = figures_for(WEEK, nprs_figures)
    assert (by_clinic[network.a.id].followed_up, by_clinic[network.a.id].improved) == (2, 2)  # Yuri 6 -> 1


def test_odi_outcomes_use_the_same_rule_with_its_own_floor(network):
    by_clinic, whole = figures_for(WEEK, odi_figures)
    a, b = by_clinic[network.a.id], by_clinic[network.b.id]
    # Xena 40 -> 28 (exactly 30%, 12 points); Yuri 20 and an unscored one: no follow-up.
    assert (a.episodes, a.followed_up, a.improved, a.mean_improvement) == (2, 1, 1, 12.0)
    # Walt 12 -> 4: 8 points, 67%: improved (absolute points of 10 alone would have missed it).
    assert (b.episodes, b.improved, b.improved_share) == (1, 1, 1.0)
    assert (whole.episodes, whole.improved, whole.no_follow_up) == (3, 2, 1)


def test_an_episode_counts_in_the_range_of_its_intake_day_on_its_clinics_calendar(network):
    monday = figures_for(ReportRange(date(2026, 2, 2), date(2026, 2, 2)), nprs_figures)[0]
    assert (monday[network.a.id].episodes, monday[network.b.id].episodes) == (2, 0)  # Yuri's at 00:00 is in
    follow_ups_week = figures_for(ReportRange(date(2026, 2, 9), date(2026, 2, 13)), nprs_figures)[1]
    assert follow_ups_week.episodes == 0  # follow-ups open no episode


# --- adherence --------------------------------------------------------------------------------

def test_sql_effect_by_exercise_equals_the_pure_rule(network):
    everything = ReportRange(date(2026, 1, 1), date(2026, 3, 1))
    patients = [p.id for p in network.patients.values()]
    by_patient = [[c for programme in network.programmes.values() if programme.patient_id == pid
                   for c in _check_ins(programme)] for pid in patients]
    expected = effect_by_exercise(by_patient)
    found = {row.label: row for row in sql_effect_by_exercise(everything)}
    assert len(found) == len(expected) == 3
    for exercise_id, effect in expected.items():
        row = found[db.session.get(Exercise, exercise_id).name]
        assert (row.check_ins, row.better, row.same, row.worse) == (
            effect.check_ins, effect.better, effect.same, effect.worse)
        assert row.mean_pain_change == effect.mean_pain_change


def test_effect_by_exercise_over_the_week(network):
    found = {row.label: row for row in sql_effect_by_exercise(WEEK)}
    cat, hug, dog = found["Cat stretch"], found["Knee hug"], found["Bird dog"]
    # Cat stretch: Xena 2 Feb (better, 8 -> 7), Xena 5 Feb (same, 7 -> 6), Yuri 3 Feb (worse, first),
    # Zoe 3 Feb (better, first). The 9 Feb entry had no sets done and is after the week anyway.
    assert (cat.check_ins, cat.better, cat.same, cat.worse, cat.changes, cat.mean_pain_change) == (4, 2, 1, 1, 2, -1.0)
    assert (hug.check_ins, hug.worse, hug.changes, hug.mean_pain_change) == (1, 1, 0, None)
    assert (dog.check_ins, dog.better, dog.mean_pain_change) == (1, 1, -1.0)


def test_effect_by_category_counts_a_check_in_once_per_category(network):
    found = {row.category: row for row in effect_by_category(WEEK)}
    stretch = found["stretch"]
    assert (stretch.check_ins, stretch.better, stretch.same, stretch.worse, stretch.changes) == (4, 2, 1, 1, 2)
    assert stretch.share(Feeling.BETTER) == 0.5
    assert (found["core_stabilisation"].check_ins, found["core_stabilisation"].mean_pain_change) == (1, -1.0)


def test_effect_for_one_clinic_uses_only_its_programmes(network):
    at_a = ReportRange(WEEK.first_day, WEEK.last_day, network.a.id)
    cat = {row.label: row for row in sql_effect_by_exercise(at_a)}["Cat stretch"]
    # Zoe's programme has no clinic, and Xena's January one came before her first visit.
    assert (cat.check_ins, cat.changes, cat.mean_pain_change) == (3, 1, -1.0)
    assert sql_effect_by_exercise(ReportRange(WEEK.first_day, WEEK.last_day, network.b.id)) == []


def _check_ins(programme) -> list[CheckIn]:
    entries = db.session.scalars(db.select(ExerciseCheckIn).where(ExerciseCheckIn.programme_id == programme.id))
    return [CheckIn(e.on_date, e.pain, Feeling(e.feeling) if e.feeling else None,
                    frozenset(i.exercise_id for i in e.exercises if i.sets_done > 0)) for e in entries]


# --- the page and the CSV files ---------------------------------------------------------------

class TableReader(HTMLParser):
    """The text of every cell of each table on a page, by table id."""

    def __init__(self):
        super().__init__()
        self.tables: dict[str, list[list[str]]] = {}
        self._table = self._row = self._cell = None

    def handle_starttag(self, tag, attrs):
        if tag == "table":
            self._table = self.tables.setdefault(dict(attrs).get("id", ""), [])
        elif tag == "tr" and self._table is not None:
            self._row = []
            self._table.append(self._row)
        elif tag in ("td", "th") and self._row is not None:
            self._cell = []

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self._cell is not None:
            self._row.append("".join(self._cell).strip())
            self._cell = None
        elif tag == "table":
            self._table = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)


def page_tables(client, query: str) -> dict[str, list[list[str]]]:
    response = client.get(f"/headoffice/reports?{query}")
    assert response.status_code == 200
    reader = TableReader()
    reader.feed(response.get_data(as_text=True))
    return reader.tables


@pytest.fixture
def head_office(client, network):
    make_user("head_office", email="chief@example.com")
    client.login("chief@example.com")
    return client


def test_report_page_shows_each_clinic_and_the_network(head_office):
    tables = page_tables(head_office, WEEK_ARGS + "&empty=1")
    bookings = {row[0]: row for row in tables["bookings-table"][1:]}
    assert bookings["A New York"][1:] == ["6", "1", "2", "33.3%", "1", "3", "1", "33.3%", "1.9", "3", "3", "0",
                                          "50.0%"]
    assert bookings["C Empty"][1:] == ["0", "0", "0", "–", "0", "0", "0", "–", "–", "0", "0", "0", "–"]
    assert bookings["Network"][1:] == ["8", "2", "2", "25.0%", "1", "4", "1", "25.0%", "2.8", "4", "3", "1",
                                       "50.0%"]
    use = {row[0]: row[1:] for row in tables["utilisation-table"][1:]}
    assert use == {"A New York": ["120", "1560", "7.7%"], "B Phoenix": ["60", "2400", "2.5%"],
                   "C Empty": ["0", "0", "–"], "Network": ["180", "3960", "4.5%"]}
    # 3 and 2 patients: the counts are shown, the figures about them are not.
    few = "fewer than 10"
    outcomes = {row[0]: row[1:] for row in tables["outcomes-table"][1:]}
    # Three episodes on each scale: fewer than 10, so only their count is shown.
    assert outcomes["Network"] == ["3", *[few] * 7, "3", *[few] * 7]
    retention_rows = {row[0]: row[1:] for row in tables["retention-table"][1:]}
    # Courses started in the week: Yuri's (A; exercised to 17 February, stopped) and Walt's (B,
    # never a check-in); Xena's course began in January. One patient: no estimate is shown.
    assert retention_rows["Network"] == ["2", "1", "0", "1", "1", "fewer than 10", "fewer than 10", "1",
                                         "fewer than 10", "fewer than 10", "1", "fewer than 10", "fewer than 10"]


def test_a_clinic_without_data_is_left_out_until_asked_for(head_office):
    names = [row[0] for row in page_tables(head_office, WEEK_ARGS)["bookings-table"][1:]]
    assert names == ["A New York", "B Phoenix", "Network"]


def test_report_for_one_clinic_shows_that_clinic_and_its_total(head_office, network):
    tables = page_tables(head_office, f"{WEEK_ARGS}&clinic={network.b.id}")
    assert [row[:2] for row in tables["bookings-table"][1:]] == [["B Phoenix", "2"], ["Network", "2"]]


def test_report_page_writes_each_definition_beside_its_table(head_office):
    html = head_office.get(f"/headoffice/reports?{WEEK_ARGS}").get_data(as_text=True)
    assert "Improved: a fall of at least 30% of the intake score (Ostelo et al., Spine 2008" in html
    assert "those with no follow-up included" in html
    assert "only 3 in 10 patients are still exercising 2-3 days" in html
    assert html.count("How these figures are counted") == 1
    assert 'href="#def-outcome_improved_share"' in html and 'id="def-outcome_improved_share"' in html
    assert "<script" not in html.split("<main", 1)[-1]


@pytest.mark.parametrize("empty", ["", "&empty=1"])
def test_every_csv_holds_the_numbers_on_the_page(head_office, empty):
    tables = page_tables(head_office, WEEK_ARGS + empty)
    for key in ("bookings", "utilisation", "outcomes", "retention", "exercises", "categories"):
        response = head_office.get(f"/headoffice/reports/{key}.csv?{WEEK_ARGS}{empty}")
        assert response.status_code == 200 and response.mimetype == "text/csv"
        assert f"{key}-2026-02-02-to-2026-02-06.csv" in response.headers["Content-Disposition"]
        rows = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
        page = [[cell.replace("–", "") for cell in row] for row in tables[f"{key}-table"]]
        assert rows == page, key


def test_csv_defuses_a_clinic_name_that_looks_like_a_formula(head_office, network):
    network.c.name = "=HYPERLINK(1)"
    db.session.commit()
    text = head_office.get(f"/headoffice/reports/bookings.csv?{WEEK_ARGS}&empty=1").get_data(as_text=True)
    assert "'=HYPERLINK(1)" in text


def test_report_without_a_range_shows_the_last_28_days(head_office):
    response = head_office.get("/headoffice/reports")
    assert response.status_code == 200
    assert "(28 days)" in response.get_data(as_text=True)


@pytest.mark.parametrize("query, field, message", [
    ("since=2026-02-30&until=2026-03-01", "since", "Not a valid date value"),
    ("since=2026-02-06&until=2026-02-02", "until", "on or after the first day"),
    ("since=2024-01-01&until=2026-01-02", "until", "two years or less"),
    ("since=1999-01-01&until=1999-01-02", "since", "between 2000 and 2100"),
    ("since=2026-02-02", "until", "Enter the last day"),
    ("since=2026-02-02&until=2026-02-06&clinic=999999", "clinic", "Not a valid choice"),
])
def test_bad_range_is_refused_next_to_the_field(head_office, query, field, message):
    response = head_office.get(f"/headoffice/reports?{query}")
    assert response.status_code == 422
    error = re.search(rf'id="{field}-error">([^<]*)<', response.get_data(as_text=True))
    assert error and message in error.group(1)
    assert head_office.get(f"/headoffice/reports/bookings.csv?{query}").status_code == 422


def test_two_years_exactly_is_allowed(head_office):
    assert head_office.get("/headoffice/reports?since=2024-02-07&until=2026-02-06").status_code == 200


def test_unknown_table_is_not_found(head_office):
    assert head_office.get(f"/headoffice/reports/patients.csv?{WEEK_ARGS}").status_code == 404


def test_reports_are_for_head_office_only_and_never_cached(client, network):
    assert client.get("/headoffice/reports").status_code == 302
    make_user("practitioner", email="doc@example.com", clinics=[network.a])
    client.login("doc@example.com")
    assert client.get("/headoffice/reports").status_code == 403
    assert client.get("/headoffice/reports/bookings.csv").status_code == 403
    client.logout()
    make_user("admin", email="root@example.com")
    client.login("root@example.com")
    response = client.get("/headoffice/reports/bookings.csv")
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"
