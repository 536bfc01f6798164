"""The rules for health records and the identity they belong to, as tables at their boundaries
(accounts.policy and patients.rules are pure: plain stand-ins for users, visits and notes)."""

from types import SimpleNamespace

import pytest

from clinic_app.accounts.models import Role
from clinic_app.accounts.policy import (
    PatientCare,
    can_confirm_patient_details,
    can_cosign_note,
    can_see_clinic_record,
    can_see_patient_record,
    can_write_note,
)
from clinic_app.patients.rules import identity_differences

OWN, OTHER = 1, 2
TREATING, COLLEAGUE, MANAGER, ELSEWHERE_MANAGER, HEAD_OFFICE = 10, 11, 12, 13, 14


def user(user_id: int, role: Role, *clinics: int):
    return SimpleNamespace(id=user_id, role=role, clinics=[SimpleNamespace(id=c) for c in clinics])


USERS = {
    "treating practitioner": user(TREATING, Role.PRACTITIONER, OWN),
    "colleague at the clinic": user(COLLEAGUE, Role.PRACTITIONER, OWN),
    "manager of the clinic": user(MANAGER, Role.CLINIC_MANAGER, OWN),
    "manager elsewhere": user(ELSEWHERE_MANAGER, Role.CLINIC_MANAGER, OTHER),
    "treating practitioner, moved away": user(TREATING, Role.PRACTITIONER, OTHER),
    "head office": user(HEAD_OFFICE, Role.HEAD_OFFICE),
}
VISIT = SimpleNamespace(clinic_id=OWN, practitioner=SimpleNamespace(user_id=TREATING))


@pytest.mark.parametrize(("who", "writes"), [
    ("treating practitioner", True),
    ("colleague at the clinic", False),
    ("manager of the clinic", False),
    ("manager elsewhere", False),
    ("treating practitioner, moved away", False),
    ("head office", False),
])
def test_only_the_visits_practitioner_writes_its_note(who, writes):
    assert can_write_note(USERS[who], VISIT) is writes


@pytest.mark.parametrize(("who", "signed", "author", "cosigns"), [
    ("manager of the clinic", True, TREATING, True),
    ("manager of the clinic", False, TREATING, False),  # a draft is not co-signed
    ("manager of the clinic", True, MANAGER, False),  # nobody countersigns their own note
    ("manager elsewhere", True, TREATING, False),
    ("colleague at the clinic", True, TREATING, False),
    ("treating practitioner", True, TREATING, False),
    ("head office", True, TREATING, False),
])
def test_a_manager_of_the_visits_clinic_co_signs_a_signed_note_of_someone_else(who, signed, author, cosigns):
    note = SimpleNamespace(signed=signed, author_id=author)
    assert can_cosign_note(USERS[who], VISIT, note) is cosigns


RECORD = {"first_name": "Ruth", "last_name": "Record", "phone": "(555) 010-0100"}


@pytest.mark.parametrize(("given", "differences"), [
    (RECORD, {}),
    ({**RECORD, "first_name": " Ruth  "}, {}),
    ({**RECORD, "phone": "555.010.0100"}, {}),  # the same number written another way
    ({**RECORD, "phone": ""}, {}),  # a booking never proposes to erase a detail
    ({**RECORD, "first_name": "ruth"}, {"first_name": "ruth"}),  # spelt as the patient spells it
    ({**RECORD, "last_name": "Record  Smith"}, {"last_name": "Record Smith"}),
    ({**RECORD, "phone": "555-010-0199"}, {"phone": "555-010-0199"}),
    ({"first_name": "Mallory", "last_name": "Impostor", "phone": "1"},
     {"first_name": "Mallory", "last_name": "Impostor", "phone": "1"}),
])
def test_details_typed_at_booking_differ_from_the_record_only_in_substance(given, differences):
    assert identity_differences(RECORD, given) == differences


def test_a_record_without_a_phone_takes_one_only_through_the_desk():
    assert identity_differences({**RECORD, "phone": ""}, RECORD) == {"phone": "(555) 010-0100"}


@pytest.mark.parametrize(("who", "care", "confirms"), [
    ("treating practitioner", PatientCare(frozenset({OWN}), frozenset({OWN})), True),
    ("manager of the clinic", PatientCare(frozenset({OWN}), frozenset({OWN})), True),
    ("treating practitioner", PatientCare(frozenset({OWN}), frozenset()), False),  # not attended yet
    ("treating practitioner", PatientCare(frozenset({OWN, OTHER}), frozenset({OTHER})), False),  # elsewhere only
    ("colleague at the clinic", PatientCare(frozenset({OWN}), frozenset({OWN})), False),  # not on their schedule
    ("manager elsewhere", PatientCare(frozenset({OWN, OTHER}), frozenset({OWN, OTHER})), False),
    ("head office", PatientCare(frozenset({OWN}), frozenset({OWN})), False),
])
def test_details_given_at_booking_are_confirmed_by_the_visits_staff_once_the_patient_attended(who, care, confirms):
    assert can_confirm_patient_details(USERS[who], VISIT, care) is confirms


NONE: frozenset[int] = frozenset()


@pytest.mark.parametrize(("booked", "attended", "opens", "own_records", "other_records"), [
    # (clinics with a visit not cancelled, clinics attended) -> may open, sees OWN's, sees OTHER's
    (NONE, NONE, False, False, False),  # never here, or every visit here cancelled
    ({OTHER}, {OTHER}, False, False, False),  # a patient of another clinic only
    ({OWN}, NONE, True, True, False),  # booked here, not attended yet
    ({OWN, OTHER}, {OTHER}, True, True, False),  # treated elsewhere, booked here
    ({OWN, OTHER}, {OWN, OTHER}, True, True, True),  # attended here too: the whole record
    ({OWN}, {OWN}, True, True, True),
])
@pytest.mark.parametrize("who", ["treating practitioner", "colleague at the clinic", "manager of the clinic"])
def test_staff_open_a_record_through_a_live_visit_and_see_other_clinics_part_after_attendance(
        who, booked, attended, opens, own_records, other_records):
    care = PatientCare(frozenset(booked), frozenset(attended))
    assert can_see_patient_record(USERS[who], care) is opens
    assert can_see_clinic_record(USERS[who], care, OWN) is own_records
    assert can_see_clinic_record(USERS[who], care, OTHER) is other_records


@pytest.mark.parametrize("who", ["head office", "manager elsewhere"])
def test_head_office_and_other_clinics_see_no_record(who):
    care = PatientCare(frozenset({OWN}), frozenset({OWN}))
    assert not can_see_patient_record(USERS[who], care)
    assert not can_see_clinic_record(USERS[who], care, OWN)
