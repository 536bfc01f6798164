"""The practitioner workspace under /practice/, scoped to the clinics the user works at: the
clinic pages and early warning (views.py, early_warning.py), the schedule and the desk
(schedule.py, desk.py), charts, notes, questionnaires and programmes (records.py,
record_notes.py, record_programmes.py), and the clinic's team, profiles and hours (team.py)."""

from flask import Blueprint

from clinic_app.headers import never_cache

bp = Blueprint("practice", __name__, url_prefix="/practice")
bp.after_request(never_cache)

from clinic_app.practice import (  # noqa: E402, F401 - routes join bp
    desk,
    early_warning,
    record_notes,
    record_programmes,
    record_screening,
    records,
    schedule,
    team,
    views,
)
