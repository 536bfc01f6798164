"""The patient's daily check-in against their home programme: from the e-mailed link without an
account, or from /my/ when signed in."""

import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from clinic_app.accounts.models import Role
from clinic_app.adherence.models import ExerciseCheckIn
from clinic_app.adherence.service import patient_today
from clinic_app.audit.service import Actor
from clinic_app.clock import utcnow
from clinic_app.extensions import db
from clinic_app.treatments.library import seed_exercise_library
from clinic_app.treatments.programmes import Dose, exercise_library, prescribe_programme
from tests.factories import make_booking, make_user


@pytest.fixture
def prescribed(app):
    """A patient seen a week ago with a two-exercise programme: (visit, programme, link token)."""
    visit = make_booking()
    seed_exercise_library()
    first, second = exercise_library()[:2]
    programme, token = prescribe_programme(Actor(visit.practitioner.user, "203.0.113.7"), visit.patient,
                                           visit.practitioner, [Dose(first.id, 3, 10), Dose(second.id, 2, 5)], "",
                                           utcnow())
    db.session.commit()
    return visit, programme, token


def check_in_data(programme, pain="4", feeling="better", on="today", sets=(3, 0)):
    data = {"on": on, "pain": pain, "feeling": feeling}
    data.update({f"sets_{item.exercise_id}": str(n) for item, n in zip(programme.items, sets, strict=True)})
    return data


def saved() -> list[ExerciseCheckIn]:
    return list(db.session.scalars(select(ExerciseCheckIn).order_by(ExerciseCheckIn.on_date)))


def test_the_programme_link_offers_todays_check_in_and_saves_it(client, prescribed):
    visit, programme, token = prescribed
    page = client.get(f"/my/programme/{token}")
    assert "Today&#39;s check-in" in page.text or "Today's check-in" in page.text
    first = programme.items[0].exercise
    assert f"{first.name}: sets done" in page.text

    response = client.submit(f"/my/programme/{token}/check-in", check_in_data(programme), page=f"/my/programme/{token}")
    assert response.status_code == 302
    [entry] = saved()
    assert (entry.on_date, entry.pain, entry.feeling) == (patient_today(visit.patient_id, utcnow()), 4, "better")
    second_id = programme.items[1].exercise_id
    assert {(e.exercise_id, e.sets_done) for e in entry.exercises} == {(first.id, 3), (second_id, 0)}
    after = client.get(response.headers["Location"]).text
    assert "check-in is saved" in after and "1-day streak" in after and "pain 4/10, felt better" in after


def test_checking_in_again_the_same_day_replaces_the_entry(client, prescribed):
    _, programme, token = prescribed
    page = f"/my/programme/{token}"
    client.submit(f"{page}/check-in", check_in_data(programme, pain="6"), page=page)
    client.submit(f"{page}/check-in", check_in_data(programme, pain="3", sets=(3, 2)), page=page)
    [entry] = saved()
    assert entry.pain == 3 and sorted(e.sets_done for e in entry.exercises) == [2, 3]


def test_yesterday_can_be_logged_too(client, prescribed):
    visit, programme, token = prescribed
    page = f"/my/programme/{token}"
    client.submit(f"{page}/check-in", check_in_data(programme, on="yesterday"), page=page)
    assert [e.on_date for e in saved()] == [patient_today(visit.patient_id, utcnow()) - timedelta(days=1)]


@pytest.mark.parametrize(
    ("changes", "field_id", "message"),
    [
        ({"pain": "11"}, "pain", "from 0 to 10"),
        ({"pain": ""}, "pain", "from 0 to 10"),
        ({"feeling": "ecstatic"}, "feeling", "Invalid value"),
        ({"on": "last week"}, "on", "Not a valid choice"),
        ({"sets": (0, 0)}, "feeling", "on a day you did some"),
        ({"sets": (21, 0)}, "sets_", "from 0 to 20"),
    ],
    ids=["pain too high", "pain missing", "unknown feeling", "unknown day", "feeling without exercise",
         "too many sets"],
)
def test_bad_check_ins_are_explained_by_the_field_and_nothing_is_saved(client, prescribed, changes, field_id, message):
    _, programme, token = prescribed
    sets = changes.pop("sets", (3, 0))
    page = f"/my/programme/{token}"
    response = client.submit(f"{page}/check-in", {**check_in_data(programme, sets=sets), **changes}, page=page)
    assert response.status_code == 422
    assert message in response.text
    assert f'id="{field_id}' in response.text and "aria-invalid" in response.text
    assert saved() == []


def test_a_replaced_programme_link_takes_no_check_in(client, prescribed):
    visit, programme, token = prescribed
    prescribe_programme(Actor(visit.practitioner.user, ""), visit.patient, visit.practitioner,
                        [Dose(exercise_library()[2].id, 1, 5)], "", utcnow())
    db.session.commit()
    page = client.get(f"/my/programme/{token}").text
    assert "changed this programme since" in page and "Save check-in" not in page
    assert client.post(f"/my/programme/{token}/check-in", data={}).status_code in (400, 422)
    assert saved() == []


def test_a_signed_in_patient_sees_their_visits_and_checks_in_from_my_page(client, prescribed):
    visit, programme, _ = prescribed
    user = make_user(Role.PATIENT, email=visit.patient.email)
    visit.patient.user_id = user.id
    upcoming = make_booking(visit.clinic, visit.service, visit.practitioner, now=utcnow(), email=visit.patient.email,
                            first_name=visit.patient.first_name, last_name=visit.patient.last_name,
                            date_of_birth=visit.patient.date_of_birth)
    db.session.commit()
    client.login(user.email)
    page = client.get("/my/").text
    assert upcoming.reference in page and programme.items[0].exercise.name in page
    response = client.submit("/my/check-in", check_in_data(programme), page="/my/")
    assert response.status_code == 302
    assert [e.pain for e in saved()] == [4]


def test_without_a_programme_my_page_has_no_check_in(client, app):
    user = make_user(Role.PATIENT)
    client.login(user.email)
    assert "Save check-in" not in client.get("/my/").text
    assert client.submit("/my/check-in", {}, page="/my/").status_code == 404
    assert db.session.scalar(select(func.count()).select_from(ExerciseCheckIn)) == 0


def test_staff_cannot_post_a_patients_check_in_from_the_portal(client, prescribed):
    visit, _, _ = prescribed
    client.login(make_user(Role.PRACTITIONER, clinics=(visit.clinic,)).email)
    assert client.submit("/my/check-in", {}, page="/").status_code == 403
    assert saved() == []


def test_the_form_starts_from_todays_saved_check_in(client, prescribed):
    _, programme, token = prescribed
    page = f"/my/programme/{token}"
    client.submit(f"{page}/check-in", check_in_data(programme, pain="7", feeling="worse", sets=(2, 1)), page=page)
    html = client.get(page).text
    inputs = re.findall(r'<input[^>]*>', html)
    assert [tag for tag in inputs if 'name="pain"' in tag and "checked" in tag] == [
        next(tag for tag in inputs if 'name="pain"' in tag and 'value="7"' in tag)]
    assert any('value="worse"' in tag and "checked" in tag for tag in inputs)
    sets = sorted(re.search(r'value="(\d+)"', tag).group(1) for tag in inputs if 'name="sets_' in tag)
    assert sets == ["1", "2"]
