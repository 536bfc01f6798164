"""Who may do what: every access rule of the application is stated here.

Views declare their rule with a decorator (``@role_required(Role.HEAD_OFFICE, Role.ADMIN)``)
and clinic-scoped work asks ``can_work_at(user, clinic_id)``; nothing else decides access.
"""

from __future__ import annotations

from functools import wraps

from flask import abort
from flask_login import current_user, login_required

from clinic_app.accounts.models import CLINIC_ROLES, Role, User

# Each area of the site and the roles that may enter it.
AREA_ROLES: dict[str, tuple[Role, ...]] = {
    "portal": (Role.PATIENT,),
    "practice": (Role.PRACTITIONER, Role.CLINIC_MANAGER),
    "headoffice": (Role.HEAD_OFFICE, Role.ADMIN),
    "admin_clinics": (Role.HEAD_OFFICE, Role.ADMIN),
    "admin_users": (Role.ADMIN,),
    # E-mail that did not go (/admin/outbox): what and why, never to whom; a failed one can be retried.
    "outbox": (Role.HEAD_OFFICE, Role.ADMIN),
    # A clinic's team pages (/practice/clinics/<id>/team): its staff, and head office for any clinic.
    "practice_team": (Role.PRACTITIONER, Role.CLINIC_MANAGER, Role.HEAD_OFFICE, Role.ADMIN),
}


# Staff may turn on two-factor sign-in; those who run the whole network must.
TWO_FACTOR_ROLES = (Role.PRACTITIONER, Role.CLINIC_MANAGER, Role.HEAD_OFFICE, Role.ADMIN)
TWO_FACTOR_REQUIRED_ROLES = (Role.HEAD_OFFICE, Role.ADMIN)


def must_enrol_two_factor(user: User) -> bool:
    """Head office and admin see every clinic's figures and manage every account: a password
    alone is not enough for them, so until they enrol they can reach nothing but enrolment."""
    return user.role in TWO_FACTOR_REQUIRED_ROLES and not user.two_factor_enrolled


# Where each role lands after signing in.
HOME_BY_ROLE: dict[Role, str] = {
    Role.PATIENT: "portal.index",
    Role.PRACTITIONER: "practice.index",
    Role.CLINIC_MANAGER: "practice.index",
    Role.HEAD_OFFICE: "headoffice.index",
    Role.ADMIN: "admin.index",
}


def can_enter(user, area: str) -> bool:
    """Whether ``user`` (possibly anonymous) may open the pages of ``area``."""
    return bool(getattr(user, "is_authenticated", False)) and user.role in AREA_ROLES[area]


def role_required(*roles: Role):
    """Let a signed-in user with one of ``roles`` through; others get 403, anonymous users
    go to the login page."""

    def decorator(view):
        @wraps(view)
        @login_required
        def wrapped(*args, **kwargs):
            if not current_user.has_role(*roles):
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorator


def area_required(area: str):
    return role_required(*AREA_ROLES[area])


def can_work_at(user: User, clinic_id: int) -> bool:
    """Practitioners and managers act only for their own clinics; head office and admin for all."""
    if user.role in (Role.HEAD_OFFICE, Role.ADMIN):
        return True
    if user.role in CLINIC_ROLES:
        return any(clinic.id == clinic_id for clinic in user.clinics)
    return False


def require_clinic_access(user: User, clinic_id: int) -> None:
    if not can_work_at(user, clinic_id):
        abort(403)


def sees_whole_schedule(user: User) -> bool:
    """A clinic manager runs the clinic's day: every practitioner's visits. A practitioner
    sees, books and changes their own."""
    return user.role == Role.CLINIC_MANAGER


def can_handle_visit(user: User, clinic_id: int, practitioner_user_id: int) -> bool:
    """Check in, mark, move or cancel a visit: staff of its clinic whose schedule it is on."""
    return can_work_at(user, clinic_id) and (sees_whole_schedule(user) or practitioner_user_id == user.id)


def can_manage_team(user: User, clinic_id: int) -> bool:
    """Practitioner profiles, hours, breaks, time off and holiday closures are changed by the
    clinic's own managers and by head office (and admin), who keep the clinic covered; a
    practitioner sees them but asks a manager to change them."""
    if user.role in (Role.HEAD_OFFICE, Role.ADMIN):
        return True
    return user.role == Role.CLINIC_MANAGER and can_work_at(user, clinic_id)


def can_see_patient_record(user: User, patient_clinic_ids: set[int]) -> bool:
    """Health records are for the clinical staff caring for the patient: a practitioner or
    manager sees a patient's chart, notes and programmes only when the patient has a booking at
    one of their clinics. Head office and admin run the network, not care: they see no records
    (they search the audit trail instead)."""
    if user.role not in CLINIC_ROLES:
        return False
    return any(clinic.id in patient_clinic_ids for clinic in user.clinics)
