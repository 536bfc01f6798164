"""Every exercise in the starting library comes with a line drawing of its position, which the patient
sees beside the exercise on their programme and on /my/; re-seeding gives older databases the pictures."""

import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from sqlalchemy import select

from clinic_app.accounts.models import Role
from clinic_app.audit.service import Actor
from clinic_app.clock import utcnow
from clinic_app.extensions import db
from clinic_app.treatments.library import STARTING_LIBRARY, seed_exercise_library
from clinic_app.treatments.models import Exercise
from clinic_app.treatments.programmes import Dose, exercise_library, prescribe_programme
from tests.factories import make_booking, make_user

STATIC = Path(__file__).resolve().parent.parent / "static"
SVG = "{http://www.w3.org/2000/svg}"


def by_slug() -> dict[str, Exercise]:
    return {exercise.slug: exercise for exercise in db.session.scalars(select(Exercise))}


@pytest.fixture
def programme(app):
    """A patient with an account whose visit gave them a knee-to-chest and a bird dog programme."""
    visit = make_booking(email="pictures@example.com")
    visit.patient.user_id = make_user(Role.PATIENT, email="pictures@example.com").id
    seed_exercise_library()
    chosen = [by_slug()["knee-to-chest"], by_slug()["bird-dog"]]
    _, token = prescribe_programme(Actor(visit.practitioner.user), visit.patient, visit.practitioner,
                                   [Dose(exercise.id, 1, 3) for exercise in chosen], "", utcnow())
    db.session.commit()
    return token


def test_every_library_exercise_gets_a_drawing_that_is_a_small_clean_svg(app):
    seed_exercise_library()
    exercises = by_slug()
    assert len(exercises) == len(STARTING_LIBRARY) == 18
    for slug, exercise in exercises.items():
        assert exercise.picture_url == f"/static/img/exercises/{slug}.svg"
        drawing = STATIC / exercise.picture_url.removeprefix("/static/")
        assert drawing.stat().st_size < 2048, slug
        root = ET.parse(drawing).getroot()  # noqa: S314 - our own file in the repository, not user input
        assert root.tag == f"{SVG}svg" and root.get("viewBox") == "0 0 240 140", slug
        assert root.find(f"{SVG}circle") is not None, f"{slug} has no head"
        tags = {element.tag.removeprefix(SVG) for element in root.iter()}
        assert tags <= {"svg", "path", "circle"}, f"{slug} holds {tags}"  # no text, scripts or links


def test_a_drawing_is_served_as_an_image(client):
    response = client.get("/static/img/exercises/bird-dog.svg")
    assert response.status_code == 200
    assert response.mimetype == "image/svg+xml"
    response.close()


def test_the_programme_shows_each_exercises_drawing_with_a_description(client, programme):
    page = client.get(f"/my/programme/{programme}").text
    assert ('<img src="/static/img/exercises/knee-to-chest.svg" alt="Drawing of the Knee-to-chest stretch position"'
            ' width="240" height="140"') in page
    assert 'alt="Drawing of the Bird dog position"' in page


def test_the_portal_lists_the_programme_with_a_drawing_and_the_instructions_of_each_exercise(client, programme):
    client.login("pictures@example.com")
    page = client.get("/my/").text
    assert '<img src="/static/img/exercises/knee-to-chest.svg" alt="" width="96" height="56"' in page
    assert '<img src="/static/img/exercises/bird-dog.svg" alt="" width="96" height="56"' in page
    assert page.count("How to do it") == 2 and by_slug()["bird-dog"].instructions in page


def test_reseeding_gives_older_exercises_their_drawing_and_keeps_a_chosen_picture(app):
    seed_exercise_library()
    exercises = by_slug()
    exercises["bird-dog"].picture_url = ""
    exercises["cat-cow"].picture_url = ""
    exercises["chin-tuck"].picture_url = "https://images.example.com/our-chin-tuck.png"
    db.session.commit()
    assert seed_exercise_library() == 0
    db.session.commit()
    exercises = by_slug()
    assert exercises["bird-dog"].picture_url == "/static/img/exercises/bird-dog.svg"
    assert exercises["cat-cow"].picture_url == "/static/img/exercises/cat-cow.svg"
    assert exercises["chin-tuck"].picture_url == "https://images.example.com/our-chin-tuck.png"
    assert len(exercise_library()) == 18
