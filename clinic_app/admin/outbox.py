"""/admin/outbox: e-mail that did not go (failed, or waiting to be tried again), for head office
and admin, with a way to try a failed message again once its cause is fixed. It shows what
each message was and why it did not go, never its address or body."""

from __future__ import annotations

import logging

from flask import abort, flash, redirect, render_template, url_for
from flask_login import current_user

from clinic_app import clock
from clinic_app.accounts.policy import area_required
from clinic_app.admin import bp
from clinic_app.extensions import begin_serialised_transaction, db
from clinic_app.notifications.failures import (
    count_failed_messages,
    list_failed_messages,
    list_retrying_messages,
    retry_failed_message,
)

log = logging.getLogger(__name__)
SHOWN = 100  # of each list, the most recent; the count says how many failed in all


@bp.get("/outbox")
@area_required("outbox")
def outbox():
    return render_template(
        "admin/outbox.html", failed=list_failed_messages(SHOWN), failed_count=count_failed_messages(),
        retrying=list_retrying_messages(SHOWN), shown=SHOWN,
    )


@bp.post("/outbox/<int:message_id>/retry")
@area_required("outbox")
def retry(message_id: int):
    begin_serialised_transaction()  # SQLite: a second click waits, then finds it queued already
    if not retry_failed_message(message_id, clock.utcnow()):
        abort(404)
    db.session.commit()
    log.info("outbox message %s put back in the queue by user %s", message_id, current_user.id)
    flash(f"Message {message_id} is back in the queue: the notification worker tries it on its next pass.",
          "success")
    return redirect(url_for("admin.outbox"), 303)
