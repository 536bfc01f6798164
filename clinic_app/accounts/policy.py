"""Who may do what: every access rule of the application is stated here.

Views declare their rule with a decorator (``@role_required(Role.HEAD_OFFICE, Role.ADMIN)``)
and clinic-scoped work asks ``can_work_at(user, clinic_id)``; nothing else decides access.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import wraps
from typing import Protocol

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


def sees_whole_clinic(user: User) -> bool:
    """A clinic manager sees the whole clinic: every practitioner's visits on the schedule, and
    every patient in its care on the early warning. A practitioner sees, books and changes
    their own visits, and watches their own patients."""
    return user.role == Role.CLINIC_MANAGER


def clinics_caring_for_patients(user: User) -> list[int]:
    """The clinics whose patients a member of staff looks after (early warning): a
    practitioner's or manager's own; none for head office and admin, who treat nobody."""
    return [clinic.id for clinic in user.clinics] if user.role in CLINIC_ROLES else []


def can_handle_visit(user: User, clinic_id: int, practitioner_user_id: int) -> bool:
    """Check in, mark, move or cancel a visit: staff of its clinic whose schedule it is on."""
    return can_work_at(user, clinic_id) and (sees_whole_clinic(user) or practitioner_user_id == user.id)


def can_manage_team(user: User, clinic_id: int) -> bool:
    """Practitioner profiles, hours, breaks, time off and holiday closures are changed by the
    clinic's own managers and by head office (and admin), who keep the clinic covered; a
    practitioner sees them but asks a manager to change them."""
    if user.role in (Role.HEAD_OFFICE, Role.ADMIN):
        return True
    return user.role == Role.CLINIC_MANAGER and can_work_at(user, clinic_id)


# What the record rules read of a visit and of a note, by shape: scheduling's Booking and
# treatments' TreatmentNote fit them. accounts sits below both (tests/test_layers.py), so the
# rules name the attributes they need instead of importing those models.
class _Practitioner(Protocol):
    @property
    def user_id(self) -> int: ...


class Visit(Protocol):
    @property
    def clinic_id(self) -> int: ...

    @property
    def practitioner(self) -> _Practitioner: ...


class Note(Protocol):
    @property
    def signed(self) -> bool: ...

    @property
    def author_id(self) -> int: ...


@dataclass(frozen=True)
class PatientCare:
    """Where a patient is in care, as the record rules read it: the clinics where they have a
    visit that is not cancelled, and those where they attended one (checked in or seen).
    Loaded by clinic_app.scheduling.care; a cancelled visit counts for nothing."""

    booked: frozenset[int] = frozenset()
    attended: frozenset[int] = frozenset()


def can_confirm_patient_details(user: User, booking: Visit, care: PatientCare) -> bool:
    """Identity details typed at a booking (online, through the API or at the desk) go into the
    patient's record only when staff who handle the visit accept them, and only once the patient
    has attended a visit at that clinic: the desk checks them with the patient in front of it,
    where a booking proves only that someone knew an e-mail address and a date of birth."""
    return (can_handle_visit(user, booking.clinic_id, booking.practitioner.user_id)
            and booking.clinic_id in care.attended)


def can_see_patient_record(user: User, care: PatientCare) -> bool:
    """Health records are for the clinical staff caring for the patient: a practitioner or
    manager opens a patient's record only while the patient has a visit that is not cancelled at
    one of their clinics (a cancelled visit grants nothing). What they then see of it is
    can_see_clinic_record's. Head office and admin run the network, not care: they see no
    records (they search the audit trail instead)."""
    if user.role not in CLINIC_ROLES:
        return False
    return bool(_clinic_ids(user) & care.booked)


def shares_other_clinics_records(user: User, care: PatientCare) -> bool:
    """Whether the patient has attended (checked in or been seen at) a visit at one of the
    user's clinics: real care, after which the whole record follows them there."""
    return bool(_clinic_ids(user) & care.attended)


def can_see_clinic_record(user: User, care: PatientCare, recorded_at: int) -> bool:
    """Whether ``user`` sees a record of this patient made at clinic ``recorded_at``: a visit,
    its note (with addenda and co-signatures), an Oswestry questionnaire, a home programme and
    its check-ins, the chart (as last written). Staff who may open the record see everything
    recorded at their own clinics; what other clinics recorded, only once the patient has
    attended a visit at one of theirs. A booking alone, which anyone who knows an e-mail address
    and a date of birth can make, shows a clinic nothing that another clinic recorded."""
    if not can_see_patient_record(user, care):
        return False
    return recorded_at in _clinic_ids(user) or shares_other_clinics_records(user, care)


def _clinic_ids(user: User) -> frozenset[int]:
    return frozenset(clinic.id for clinic in getattr(user, "clinics", ()))


def can_write_note(user: User, booking: Visit) -> bool:
    """Start, edit and sign a visit's treatment note: only the practitioner whose visit it is,
    at a clinic they work at. The note is their own account of their own treatment, so a
    colleague or a manager reads it but never starts it (which would lock the practitioner out)."""
    return can_work_at(user, booking.clinic_id) and booking.practitioner.user_id == user.id


def can_discharge_episode(user: User, clinic_id: int) -> bool:
    """Discharge a patient from an episode of care (with a reason): the practitioners and
    managers of the episode's clinic, who treat the patient there."""
    return user.role in CLINIC_ROLES and can_work_at(user, clinic_id)


def can_cosign_note(user: User, booking: Visit, note: Note) -> bool:
    """A clinic manager of the visit's clinic may countersign a signed note written by someone
    else; the co-signature is shown as such beside the author's signature, never instead of it."""
    return (user.role == Role.CLINIC_MANAGER and can_work_at(user, booking.clinic_id) and note.signed
            and note.author_id != user.id)
