"""The JSON API under /api/v1/, described by OpenAPI: the clinics and the nearest-clinic search
(views.py), and free times and bookings (bookings.py), each a section of the document."""

from flask_smorest import Blueprint

from clinic_app.extensions import csrf

bp = Blueprint("api", __name__, url_prefix="/api/v1", description="Clinics and where they are")
csrf.exempt(bp)  # read-only, and no cookie-authenticated writes
bookings_bp = Blueprint("bookings", __name__, url_prefix="/api/v1", description="Free times and bookings")
csrf.exempt(bookings_bp)  # no cookie is read: the manage token in the address is the credential

from clinic_app.api import bookings, views  # noqa: E402, F401 - routes join the blueprints
