"""Daily check-in reminders in the patient portal: the setting on /my/ and on the programme
link's page, the reminder e-mail's own check-in link, and its stop link.

The setting's form is templates/portal/_check_in_reminders.html, included in the portal and
programme pages; its data (``check_in_reminders``, a ReminderPanel or None) comes from this
blueprint's context processor, so those pages' views need not know of it.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import abort, flash, g, redirect, render_template, request, url_for
from flask_login import current_user

from clinic_app import clock
from clinic_app.accounts.policy import area_required
from clinic_app.adherence.models import CheckInReminder
from clinic_app.adherence.reminder_forms import CheckInReminderForm
from clinic_app.adherence.reminders import (
    link_token,
    reminder_setting,
    set_check_in_reminder,
    setting_for_link_token,
    setting_for_stop_token,
    stop_check_in_reminders,
    time_label,
)
from clinic_app.extensions import db
from clinic_app.portal import bp
from clinic_app.portal.pages import check_in_context, own_programme, portal_page, programme_page, save_check_in
from clinic_app.treatments.models import Programme
from clinic_app.treatments.programmes import current_programme, programme_for_token


@dataclass(frozen=True)
class ReminderPanel:
    setting: CheckInReminder | None
    form: CheckInReminderForm | None = None  # None: the page shows the stop link instead
    action: str = ""
    stop_url: str = ""

    @property
    def at(self) -> str:
        return time_label(self.setting.minutes_after_midnight) if self.setting else ""


@bp.post("/reminders")
@area_required("portal")
def save_reminders():
    programme = own_programme(current_user.id) or abort(404)
    return _save_setting(programme, url_for("portal.index", _anchor="check-in-reminders"), portal_page)


@bp.post("/programme/<token>/reminders")
def save_link_reminders(token: str):
    programme = _current_by_link(token) or abort(404)
    back = url_for("portal.programme_by_link", token=token, _anchor="check-in-reminders")
    return _save_setting(programme, back, lambda: programme_page(programme, token))


@bp.get("/reminders/<token>")
def reminder_check_in_page(token: str):
    """Where a reminder e-mail leads: today's check-in on the patient's current programme
    (a newer version than the one first e-mailed, if the practitioner changed it)."""
    programme = _programme_for_reminder(token)
    return _reminder_programme_page(programme, token)


@bp.post("/reminders/<token>/check-in")
def reminder_check_in(token: str):
    programme = _programme_for_reminder(token)
    back = url_for("portal.reminder_check_in_page", token=token, _anchor="check-in-saved")
    return save_check_in(programme, back, lambda form: _reminder_programme_page(programme, token, form))


@bp.route("/reminders/stop/<token>", methods=["GET", "POST"])
def stop_reminders(token: str):
    """The e-mail's stop link: GET asks to confirm (a link scanner's visit changes nothing),
    POST turns the reminders off."""
    setting = setting_for_stop_token(token) or abort(404)
    if request.method == "POST":  # CSRFProtect has checked the form's token
        stop_check_in_reminders(setting, clock.utcnow())
        db.session.commit()
        flash("Done: we will not send you check-in reminders any more.", "success")
        return redirect(url_for("portal.stop_reminders", token=token))
    return render_template("portal/stop_reminders.html", setting=setting)


@bp.context_processor
def reminder_panel_context() -> dict:
    """The reminder panel for the pages that show it; None elsewhere."""
    signed_in = current_user.is_authenticated
    if signed_in and request.endpoint in ("portal.index", "portal.check_in", "portal.save_reminders"):
        programme = own_programme(current_user.id)
        action = url_for("portal.save_reminders")
    elif request.endpoint in ("portal.programme_by_link", "portal.programme_check_in", "portal.save_link_reminders"):
        token = (request.view_args or {})["token"]
        programme = _current_by_link(token)
        action = url_for("portal.save_link_reminders", token=token)
    elif request.endpoint in ("portal.reminder_check_in_page", "portal.reminder_check_in"):
        setting = setting_for_link_token((request.view_args or {})["token"])
        return {"check_in_reminders": ReminderPanel(setting, stop_url=url_for(
            "portal.stop_reminders", token=link_token(setting, "stop"))) if setting else None}
    else:
        return {"check_in_reminders": None}
    if programme is None:
        return {"check_in_reminders": None}
    setting = reminder_setting(programme.patient_id)
    form = g.get("check_in_reminder_form") or CheckInReminderForm.for_setting(setting)
    return {"check_in_reminders": ReminderPanel(setting, form, action)}


def _save_setting(programme: Programme, back: str, page):
    form = CheckInReminderForm()
    if not form.validate_on_submit():
        g.check_in_reminder_form = form  # the page shows it with its errors
        return page(), 422
    set_check_in_reminder(programme.patient_id, form.enabled.data, form.minutes_after_midnight(), clock.utcnow())
    db.session.commit()
    if form.enabled.data:
        at = time_label(form.minutes_after_midnight())
        flash(f"Saved: we will e-mail you at {at} on days you have not checked in yet.", "success")
    else:
        flash("Saved: no check-in reminders.", "success")
    return redirect(back)


def _current_by_link(token: str) -> Programme | None:
    """The programme of a link that is still current (a replaced one shows no forms)."""
    programme = programme_for_token(token)
    return programme if programme is not None and programme.replaced_at is None else None


def _programme_for_reminder(token: str) -> Programme:
    setting = setting_for_link_token(token) or abort(404)
    return current_programme(setting.patient_id) or abort(404)


def _reminder_programme_page(programme: Programme, token: str, form=None):
    return render_template(
        "portal/programme.html",
        programme=programme,
        replaced=False,
        check_in_url=url_for("portal.reminder_check_in", token=token),
        **check_in_context(programme, form),
    )
