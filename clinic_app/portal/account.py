"""The patient's own account under /my/: confirming the e-mail, profile and contact
preferences, downloading their data, and asking for the account to be deleted.
Registered on the portal blueprint, so every page here is private (no-store)."""

from __future__ import annotations

import json

from flask import current_app, flash, redirect, render_template, url_for
from flask_login import current_user, logout_user
from sqlalchemy import select

from clinic_app.accounts.forms import DeletionForm, ProfileForm, ResendVerificationForm
from clinic_app.accounts.patient_account import ProfileDetails, request_deletion, update_profile
from clinic_app.accounts.policy import area_required
from clinic_app.accounts.verification import send_verification_email
from clinic_app.clock import utcnow
from clinic_app.errors import ValidationFailed
from clinic_app.extensions import db, limiter
from clinic_app.fhir.records import patient_export
from clinic_app.patients.models import Patient
from clinic_app.patients.texting import account_texts_on, set_account_texts
from clinic_app.portal import bp
from clinic_app.portal.my_data import export_account_data


@bp.post("/verify-email")
@limiter.limit(lambda: current_app.config["EMAIL_VERIFICATION_LIMIT"])
@area_required("portal")
def resend_verification():
    """Send the confirmation link again (rate-limited like password reset: each one is an
    e-mail we send on someone's say-so)."""
    if ResendVerificationForm().validate_on_submit() and not current_user.email_verified:
        send_verification_email(current_user)
        db.session.commit()
        flash(f"We have sent a new confirmation link to {current_user.email}.", "info")
    return redirect(url_for("portal.index"))


@bp.route("/profile", methods=["GET", "POST"])
@area_required("portal")
def profile():
    form = ProfileForm(obj=current_user, today=utcnow().date())
    if not form.is_submitted():
        form.text_reminders.data = account_texts_on(current_user.id)
    if form.validate_on_submit():
        details = ProfileDetails(form.full_name.data, form.phone.data or "", form.visit_reminder_emails.data,
                                 form.new_date_of_birth())
        try:
            joined = update_profile(current_user, details)
            set_account_texts(current_user.id, form.text_reminders.data, details.phone, utcnow())
        except ValidationFailed as error:
            db.session.rollback()
            form.populate_errors(error)  # above the form when the date of birth is no longer asked
        else:
            db.session.commit()
            flash("Your profile is saved.", "success")
            if joined:
                flash("Visits booked with your e-mail and date of birth are now in your account.", "success")
            return redirect(url_for("portal.profile"))
    status = 422 if form.errors else 200
    return render_template("portal/profile.html", form=form, user=current_user), status


@bp.get("/data.json")
@area_required("portal")
def data_download():
    """The patient's own data, as a file. Not written to the staff audit trail: it is the
    patient reading their own record, not a member of staff opening it."""
    body = json.dumps(export_account_data(current_user, utcnow()), indent=2, ensure_ascii=False)
    response = current_app.response_class(body, mimetype="application/json")
    response.headers["Content-Disposition"] = 'attachment; filename="back-solution-my-data.json"'
    return response


@bp.get("/record.fhir.json")
@area_required("portal")
def fhir_record_download():
    """The patient's own health record as a FHIR R4 Bundle, to take to another provider (as
    /my/data.json, the patient reading their own record is not a staff access)."""
    patient_ids = set(db.session.scalars(select(Patient.id).where(Patient.user_id == current_user.id)))
    body = json.dumps(patient_export(patient_ids, utcnow()), indent=2, ensure_ascii=False)
    response = current_app.response_class(body, mimetype="application/fhir+json")
    response.headers["Content-Disposition"] = 'attachment; filename="back-solution-record.fhir.json"'
    return response


@bp.route("/delete", methods=["GET", "POST"])
@area_required("portal")
def delete_account():
    """Ask for deletion, confirmed with the password. The account closes at once; clinical
    records are kept as long as the law on medical records requires."""
    form = DeletionForm()
    if form.validate_on_submit():
        try:
            request_deletion(current_user, form.password.data, utcnow())
        except ValidationFailed as error:
            db.session.rollback()
            form.populate_errors(error)
        else:
            db.session.commit()
            logout_user()
            return render_template("portal/delete_done.html")
    status = 422 if form.errors else 200
    return render_template("portal/delete.html", form=form), status
