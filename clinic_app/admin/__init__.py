"""Administration under /admin/: staff accounts (admin only) and the clinic editor (head office
and admin) in views.py, and e-mail that did not go (outbox.py, head office and admin)."""

from flask import Blueprint

bp = Blueprint("admin", __name__, url_prefix="/admin")

from clinic_app.admin import outbox, views  # noqa: E402, F401 - routes join bp
