"""/my/record-access, "Who looked at my record". The audit domain reads the trail
(clinic_app.portal.record_access_log); this page only shows it."""

from __future__ import annotations

from flask import render_template
from flask_login import current_user

from clinic_app import clock
from clinic_app.accounts.policy import area_required
from clinic_app.portal import bp
from clinic_app.portal.record_access_log import SHOWN_DAYS, find_record_access


@bp.get("/record-access")
@area_required("portal")
def record_access():
    found = find_record_access(current_user.id, clock.utcnow())
    return render_template("portal/record_access.html", entries=found.entries, more=found.more, days=SHOWN_DAYS,
                           several_records=found.several_records)
