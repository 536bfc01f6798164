"""flask seed-demo: a believable synthetic network, the same every time."""

from datetime import timedelta

from sqlalchemy import func, select, update

from clinic_app.accounts.models import User
from clinic_app.adherence.models import ExerciseCheckIn
from clinic_app.clinics.models import Clinic
from clinic_app.clock import utcnow
from clinic_app.extensions import db
from clinic_app.geo.states import US_STATES
from clinic_app.patients.models import Patient
from clinic_app.scheduling.availability import free_slots
from clinic_app.scheduling.models import Booking, Practitioner, Service
from clinic_app.treatments.models import TreatmentNote


def _count(model, *where):
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def test_seed_demo_builds_the_network_and_accounts_and_is_idempotent(runner, client):
    first = runner.invoke(args=["seed-demo"])
    assert first.exit_code == 0, first.output
    assert "password: BackSolution-demo-2026" in first.output
    clinics, users, notes = _count(Clinic), _count(User), _count(TreatmentNote)
    assert notes > 100
    assert _count(ExerciseCheckIn) > 100
    assert runner.invoke(args=["seed-demo"]).exit_code == 0
    assert (_count(Clinic), _count(User), _count(TreatmentNote)) == (clinics, users, notes)

    assert _count(Clinic, Clinic.status == "open") >= 30
    assert _count(Clinic, Clinic.status.in_(["planned", "coming_soon"])) >= 5
    zones = set(db.session.scalars(select(Clinic.timezone).where(Clinic.status == "open")))
    assert "America/Phoenix" in zones and len(zones) >= 4

    for email in (
        "admin@example.com",
        "headoffice@example.com",
        "manager@example.com",
        "practitioner@example.com",
        "patient@example.com",
    ):
        assert client.login(email, "BackSolution-demo-2026").status_code == 302, email
        client.logout()
    first_clinic = db.session.scalar(select(Clinic).order_by(Clinic.id))
    manager = db.session.scalar(select(User).where(User.email == "manager@example.com"))
    assert [c.id for c in manager.clinics] == [first_clinic.id]


def _demo_patient_records(user) -> list[int]:
    return list(db.session.scalars(select(Patient.id).where(Patient.user_id == user.id)))


def test_seed_demo_joins_the_demo_patient_record_and_joins_it_again_after_it_was_unlinked(runner, client):
    assert runner.invoke(args=["seed-demo"]).exit_code == 0
    user = db.session.scalar(select(User).where(User.email == "patient@example.com"))
    first_patient = db.session.scalar(select(Patient.id).order_by(Patient.id))
    assert user.email_verified and user.date_of_birth is not None
    assert _demo_patient_records(user) == [first_patient]
    # What the migration does to an account whose e-mail is not confirmed.
    db.session.execute(update(Patient).where(Patient.user_id == user.id).values(user_id=None))
    user.email_verified_at = None
    db.session.commit()

    assert runner.invoke(args=["seed-demo"]).exit_code == 0
    db.session.refresh(user)
    assert user.email_verified
    assert _demo_patient_records(user) == [first_patient]
    latest = db.session.scalar(select(Booking.reference).where(Booking.patient_id == first_patient)
                               .order_by(Booking.start_at.desc()).limit(1))
    client.login("patient@example.com", "BackSolution-demo-2026")
    page = client.get("/my/").text
    assert latest in page and "Confirm your e-mail address" not in page


def test_seed_demo_can_generate_a_large_network_for_benchmarks(runner):
    result = runner.invoke(args=["seed-demo", "--clinics", "300"])
    assert result.exit_code == 0, result.output
    assert _count(Clinic, Clinic.slug.like("network-%")) == 300
    assert runner.invoke(args=["seed-demo", "--clinics", "300"]).exit_code == 0
    assert _count(Clinic, Clinic.slug.like("network-%")) == 300
    assert runner.invoke(args=["seed-demo", "--clinics", "350"]).exit_code == 0
    assert _count(Clinic, Clinic.slug.like("network-%")) == 350
    states = set(db.session.scalars(select(Clinic.state)))
    assert states <= set(US_STATES) and len(states) > 30


def test_seed_demo_refuses_to_run_in_production(app, runner):
    app.config["APP_ENV"] = "production"
    result = runner.invoke(args=["seed-demo"])
    assert result.exit_code != 0
    assert "refuses to run in production" in result.output
    assert _count(Clinic) == 0


def test_every_open_demo_clinic_can_be_booked_with_both_services(runner):
    assert runner.invoke(args=["seed-demo"]).exit_code == 0
    now = utcnow()
    open_clinics = list(db.session.scalars(select(Clinic).where(Clinic.status == "open").order_by(Clinic.id)))
    for service in db.session.scalars(select(Service)):
        for clinic in open_clinics:
            slots = free_slots(clinic, service, now.date() + timedelta(days=1), 7, now)
            assert slots, (clinic.slug, service.slug)
    demo = db.session.scalar(select(Practitioner).join(User).where(User.email == "practitioner@example.com"))
    assert demo.working_hours and {h.clinic_id for h in demo.working_hours} == {open_clinics[0].id}
