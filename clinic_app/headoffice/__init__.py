"""Head office under /headoffice/, for head office and admin: pages only. The front page and
the audit search (views.py), network reporting (reports.py: clinic_app/reporting computes
it), the network map and where to open next (network.py: clinic_app/demand), and the rollout
pipeline (rollout.py: clinic_app/rollout)."""

from flask import Blueprint

from clinic_app.headers import never_cache

bp = Blueprint("headoffice", __name__, url_prefix="/headoffice")
bp.after_request(never_cache)

from clinic_app.headoffice import claim, network, reports, rollout, texts, views  # noqa: E402, F401 - routes join bp
