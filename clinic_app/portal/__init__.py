"""The patient portal under /my/: visits, the home programme and its daily check-in, the
reminder e-mails' pages, the account and who looked at the record. Every page is private
(no-store) and keeps tokens in its address out of the Referer."""

from flask import Blueprint

from clinic_app.headers import keep_token_private, never_cache

bp = Blueprint("portal", __name__, url_prefix="/my")
bp.after_request(never_cache)
bp.after_request(keep_token_private)

from clinic_app.portal import (  # noqa: E402, F401 - routes join bp
    account,
    intake,
    record_access,
    reminders,
    stop_question,
    views,
    visits,
)
