"""Booking under /book: the journey one step a page (views.py) and the visit's own page, reached
by its secret link (manage.py). The steps' helpers (journey.py, free_times.py, timetable.py,
visit_changes.py) are shared with the API, the portal and the desk."""

from flask import Blueprint

bp = Blueprint("booking", __name__, url_prefix="/book")

from clinic_app.booking import manage, views  # noqa: E402, F401 - routes join bp
