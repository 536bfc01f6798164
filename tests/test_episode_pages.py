"""Episodes of care through the pages: a note only for a visit the patient came to, by its own
practitioner, signed with name, credentials and the clinic's time; the ODI entered on the
practitioner's page reaches head office's outcomes; the chart and head office give one verdict."""

from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest

from clinic_app.clock import utcnow
from clinic_app.extensions import db
from clinic_app.treatments.models import Episode, TreatmentNote
from tests.factories import make_booking, make_clinic, make_practitioner, make_seen_visit, make_service, make_user
from tests.test_reporting import page_tables

NOTE = {"subjective": "Ache after lifting boxes", "assessment": "Mechanical low back pain", "pain_after": "2"}


@pytest.fixture
def clinic(app):
    return make_clinic(name="Back Solution Denver", timezone="America/Denver")


@pytest.fixture
def treating(clinic):
    service = make_service(clinics=[clinic])
    return make_practitioner(clinic, services=[service], credentials="DPT", display_name="Dr Ada Park")


def seen(treating, days_ago: float, status: str = "completed"):
    return make_seen_visit(status, clinic=treating.user.clinics[0], practitioner=treating,
                           service=treating.services[0], email="casey@example.com",
                           now=utcnow() - timedelta(days=days_ago))


def note_url(visit) -> str:
    return f"/practice/visits/{visit.id}/note"


def odi_answers(*sections: int) -> dict:
    answers = {f"section_{n}": str(value) for n, value in enumerate(sections, start=1)}
    return {"timepoint": "progress", **answers}


@pytest.mark.parametrize(("status", "message"), [
    ("booked", "has not taken place yet"), ("no_show", "did not come to this visit"),
    ("cancelled", "A cancelled visit has no treatment note"),
])
def test_a_note_on_a_future_no_show_or_cancelled_visit_is_refused_with_409(client, treating, status, message):
    seen(treating, 30)  # the patient's record is open to the practitioner
    visit = make_booking(clinic=treating.user.clinics[0], practitioner=treating, service=treating.services[0],
                         email="casey@example.com", now=utcnow() + timedelta(days=2) if status == "booked" else None)
    visit.status, visit.cancelled_at = status, utcnow() if status == "cancelled" else None
    db.session.commit()
    client.login(treating.user.email)
    page = client.get(note_url(visit))
    assert message in page.text and 'name="subjective"' not in page.text
    response = client.submit(note_url(visit), {**NOTE, "pain_before": "5", "sign": "y"})
    assert response.status_code == 409 and message in response.text
    assert db.session.query(TreatmentNote).count() == 0


def test_a_colleagues_note_is_refused_with_403(client, treating):
    visit = seen(treating, 3)
    colleague = make_user("practitioner", clinics=[visit.clinic])
    client.login(colleague.email)
    response = client.submit(note_url(visit), {**NOTE, "pain_before": "5", "sign": "y"})
    assert response.status_code == 403 and "Dr Ada Park, whose visit this is" in response.text


def test_the_signature_shows_name_credentials_and_the_clinics_local_time(client, treating):
    visit = seen(treating, 3, status="arrived")
    client.login(treating.user.email)
    client.submit(note_url(visit), {**NOTE, "pain_before": "5", "sign": "y"})
    page = client.get(note_url(visit)).text
    signed_at = db.session.query(TreatmentNote).one().signed_at.astimezone(ZoneInfo("America/Denver"))
    expected = f"{signed_at:%b %-d, %Y} at {signed_at:%-I:%M %p} {signed_at.tzname()}"
    assert f"Signed by {treating.user.full_name}, DPT, on {expected}." in page


def test_the_discharge_is_recorded_with_its_reason_on_the_chart(client, treating):
    visit = seen(treating, 3)
    client.login(treating.user.email)
    client.submit(note_url(visit), {**NOTE, "pain_before": "5", "sign": "y"})
    chart = f"/practice/patients/{visit.patient_id}"
    episode = db.session.query(Episode).one()
    url = f"{chart}/episodes/{episode.id}/discharge"
    refused = client.submit(url, {"reason": ""}, page=chart)
    assert refused.status_code == 422 and "Choose why the episode of care ends" in refused.text
    done = client.submit(url, {"reason": "goals_met"}, page=chart)
    assert done.status_code == 303
    page = client.get(chart).text
    assert "discharged" in page and "Goals met" in page
    db.session.refresh(episode)
    assert (episode.discharge_reason, episode.discharged_by_id) == ("goals_met", treating.user_id)


def report_rows(client, visit) -> dict[str, list[str]]:
    day = visit.start_at.date()
    query = f"since={(day - timedelta(days=1)).isoformat()}&until={(day + timedelta(days=1)).isoformat()}"
    return {row[0]: row[1:] for row in page_tables(client, query)["outcomes-table"][1:]}


@pytest.fixture
def every_figure_shown(monkeypatch):
    """Head office shows no figure from fewer than 10 episodes (tests/test_reporting.py holds it
    to that); these tests follow one patient from the chart to head office's table, so the
    threshold is lowered to one for them."""
    monkeypatch.setattr("clinic_app.reporting.tables.MIN_PATIENTS", 1)


def test_an_odi_entered_on_the_practitioner_page_appears_in_head_offices_outcomes(client, treating,
                                                                                   every_figure_shown):
    intake, follow_up = seen(treating, 20), seen(treating, 6)
    client.login(treating.user.email)
    odi = f"/practice/patients/{intake.patient_id}/odi"
    # Entered now: saved with the latest visit the patient came to, in its episode.
    assert client.submit(odi, odi_answers(1, 1, 1, 1, 1, 1, 0, 0, 0, 0)).status_code == 303  # 12%
    assert client.submit(odi, odi_answers(1, 1, 0, 0, 0, 0, 0, 0, 0, 0)).status_code == 303  # 4%
    client.logout()
    make_user("head_office", email="chief@example.com")
    client.login("chief@example.com")
    rows = report_rows(client, follow_up)  # the questionnaires' visit opened the episode
    odi_cells = rows["Back Solution Denver"][8:]
    assert odi_cells[:4] == ["1", "1", "0", "1"]  # 1 episode, followed up, none without, 1 improved (12 -> 4)


def test_the_chart_and_head_office_give_the_same_verdict_for_the_same_patient(client, treating, every_figure_shown):
    first, second = seen(treating, 20), seen(treating, 10)
    client.login(treating.user.email)
    for visit, pain in ((first, "3"), (second, "2")):  # 33% but one point: unchanged
        assert client.submit(note_url(visit), {**NOTE, "pain_before": pain, "sign": "y"}).status_code == 303
    chart = client.get(f"/practice/patients/{first.patient_id}").text
    assert "No important change" in chart and "intake 3 to latest 2" in chart
    assert "Ostelo et al., Spine 2008" in chart
    client.logout()
    make_user("head_office", email="chief@example.com")
    client.login("chief@example.com")
    nprs = report_rows(client, first)["Back Solution Denver"][:8]
    assert nprs[:6] == ["1", "1", "0", "0", "1", "0"]  # one episode, unchanged, as on the chart


def test_the_patient_portal_gives_the_charts_verdict_with_its_reference(client, treating):
    first, second = seen(treating, 20), seen(treating, 10)
    client.login(treating.user.email)
    for visit, pain in ((first, "8"), (second, "5")):  # 3 points, 37.5%: improved
        client.submit(note_url(visit), {**NOTE, "pain_before": pain, "sign": "y"})
    assert "Improved" in client.get(f"/practice/patients/{first.patient_id}").text
    client.logout()
    patient = make_user("patient", email="casey@example.com")
    first.patient.user_id = patient.id
    db.session.commit()
    client.login("casey@example.com")
    page = client.get("/my/").text
    assert "Pain (0-10): improved" in page and "from 8 to 5" in page and "Ostelo et al., Spine 2008" in page
