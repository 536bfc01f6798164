"""Administration: staff accounts (admin only) and the clinic editor (head office and admin)."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from wtforms import SelectChoice

from clinic_app.accounts import service as accounts
from clinic_app.accounts.forms import StaffUserForm
from clinic_app.accounts.models import Role
from clinic_app.accounts.policy import area_required
from clinic_app.clinics import service as clinics
from clinic_app.clinics.forms import ClinicForm
from clinic_app.clinics.models import ClinicStatus
from clinic_app.errors import ValidationFailed
from clinic_app.extensions import db

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.get("/")
@area_required("admin_clinics")
def index():
    return render_template("admin/index.html")


@bp.route("/users", methods=["GET", "POST"])
@area_required("admin_users")
def users():
    form = StaffUserForm()
    form.clinics.choices = [
        SelectChoice(c.id, f"{c.name} ({c.city}, {c.state})") for c in clinics.list_clinics(tuple(ClinicStatus))
    ]
    if form.validate_on_submit():
        account = accounts.NewAccount(
            email=form.email.data,
            full_name=form.full_name.data,
            password=form.password.data,
            role=Role(form.role.data),
            clinic_ids=tuple(form.clinics.data or ()),
        )
        if _saved(form, lambda: accounts.create_account(account)):
            flash(f"Staff account for {form.full_name.data} created.", "success")
            return redirect(url_for("admin.users"))
    return render_template("admin/users.html", form=form, staff=accounts.list_staff())


@bp.get("/clinics")
@area_required("admin_clinics")
def clinic_list():
    return render_template("admin/clinics.html", clinics=clinics.list_clinics(tuple(ClinicStatus)))


@bp.route("/clinics/new", methods=["GET", "POST"])
@area_required("admin_clinics")
def clinic_new():
    form = ClinicForm()
    if form.validate_on_submit() and _saved(form, lambda: clinics.create_clinic(form.to_details())):
        flash(f"{form.name.data} was added.", "success")
        return redirect(url_for("admin.clinic_list"))
    return render_template("admin/clinic_form.html", form=form, clinic=None)


@bp.route("/clinics/<int:clinic_id>/edit", methods=["GET", "POST"])
@area_required("admin_clinics")
def clinic_edit(clinic_id: int):
    clinic = clinics.get_clinic(clinic_id) or abort(404)
    form = ClinicForm(obj=clinic)
    if not form.is_submitted():
        form.fill_from(clinic)
    if form.validate_on_submit() and _saved(form, lambda: clinics.update_clinic(clinic, form.to_details())):
        flash(f"{clinic.name} was saved.", "success")
        return redirect(url_for("admin.clinic_list"))
    return render_template("admin/clinic_form.html", form=form, clinic=clinic)


def _saved(form, operation) -> bool:
    """Run one service call and commit; put a rule's complaint beside its field instead."""
    try:
        operation()
    except ValidationFailed as error:
        db.session.rollback()
        field = getattr(form, error.field or "", None)
        (field.errors if field is not None else form.form_errors).append(error.message)
        return False
    db.session.commit()
    return True


from clinic_app.admin import outbox  # noqa: E402, F401 - its routes join this blueprint
