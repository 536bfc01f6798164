"""What the workspace's pages share."""

from flask import request
from flask_login import current_user

from clinic_app.audit.service import Actor


def staff_actor() -> Actor:
    """The signed-in staff member, and where from, for the audit trail."""
    return Actor(current_user, request.remote_addr or "")
