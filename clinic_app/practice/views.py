"""The practitioner workspace under /practice/: scoped to the clinics the user works at."""

from flask import abort, render_template
from flask_login import current_user

from clinic_app.accounts.policy import area_required, require_clinic_access
from clinic_app.audit.service import record_listed
from clinic_app.clinics.service import get_clinic_with_staff
from clinic_app.clock import utcnow
from clinic_app.extensions import db
from clinic_app.practice import bp, early_warning
from clinic_app.practice.pages import staff_actor
from clinic_app.screening.service import open_emergencies_for


@bp.get("/")
@area_required("practice")
def index():
    """The clinics, and the early warning: alerts and patients at risk (early_warning.py)."""
    board = early_warning.dashboard(current_user)
    emergencies = emergencies_shown(current_user)
    db.session.commit()  # the audit of who was shown keeps
    return render_template("practice/index.html", clinics=current_user.clinics, emergencies=emergencies, **board)


def emergencies_shown(user) -> dict:
    """The open emergency red flags the user is told about, by patient; listing them is audited."""
    found = {screen.patient_id: screen for screen in open_emergencies_for(user)}
    record_listed(staff_actor(), "list_red_flag_emergencies", found, utcnow())
    return found


@bp.get("/clinics/<int:clinic_id>")
@area_required("practice")
def clinic(clinic_id: int):
    require_clinic_access(current_user, clinic_id)
    clinic = get_clinic_with_staff(clinic_id) or abort(404)
    return render_template("practice/clinic.html", clinic=clinic, staff=clinic.staff)
