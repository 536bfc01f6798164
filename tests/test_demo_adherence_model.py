"""The demo's adherence comes from its stated model (clinic_app/demo/adherence_model.py): when
patients stop follows from the hazard and how the exercises feel, not from typed-in days."""

from __future__ import annotations

import random
from datetime import date, timedelta

from clinic_app.demo import adherence_model
from clinic_app.demo.adherence_model import SUITABLE, simulate

START = date(2026, 1, 5)


def days_kept_up(rng, count=300) -> list[int]:
    found = []
    for _ in range(count):
        course = simulate(rng, START, START + timedelta(days=60), [(START, ["bird-dog", "pelvic-tilt"])], 6)
        if course.logged:
            found.append(((course.stopped_on or START + timedelta(days=60)) - START).days)
    return found


def test_without_a_hazard_nobody_stops(monkeypatch):
    monkeypatch.setattr(adherence_model, "BASE_HAZARD", 0.0)
    assert set(days_kept_up(random.Random(1))) == {60}


def test_exercises_that_feel_harder_make_patients_stop_sooner(monkeypatch):
    monkeypatch.setattr(adherence_model, "RATING_WEIGHTS", {True: (1, 0, 0), False: (1, 0, 0)})
    easy = sorted(days_kept_up(random.Random(2)))
    monkeypatch.setattr(adherence_model, "RATING_WEIGHTS", {True: (0, 0, 1), False: (0, 0, 1)})
    hard = sorted(days_kept_up(random.Random(2)))
    assert hard[len(hard) // 2] < easy[len(easy) // 2]


def test_programmes_suit_the_complaint_area():
    assert "chin-tuck" not in SUITABLE["lumbar"] and "chin-tuck" in SUITABLE["cervical"]
