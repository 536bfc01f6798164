"""The home page and the health check."""

from flask import Blueprint

bp = Blueprint("public", __name__)

from clinic_app.public import views  # noqa: E402, F401 - routes join bp
