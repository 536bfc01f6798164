"""Head office under /headoffice/: the network at a glance."""

from flask import Blueprint, render_template

from clinic_app.accounts.policy import area_required
from clinic_app.accounts.service import count_users_by_role
from clinic_app.clinics.models import ClinicStatus
from clinic_app.clinics.service import count_clinics_by_status

bp = Blueprint("headoffice", __name__, url_prefix="/headoffice")


@bp.get("/")
@area_required("headoffice")
def index():
    counts = count_clinics_by_status()
    return render_template(
        "headoffice/index.html",
        clinic_counts=[(status, counts.get(status, 0)) for status in ClinicStatus],
        user_counts=count_users_by_role(),
    )
