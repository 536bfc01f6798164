"""/sms/: the SMS provider's webhooks (replies to our texts, delivery reports). No login and
no CSRF token: each request is signed by the provider with our auth token, and refused
without a valid signature."""

from flask import Blueprint

bp = Blueprint("sms", __name__, url_prefix="/sms")

from clinic_app.sms import webhooks  # noqa: E402, F401 - routes join the blueprint
