"""The access rules for health records, as tables at their boundaries (accounts.policy is pure:
plain stand-ins for users, visits and notes are enough)."""

from types import SimpleNamespace

import pytest

from clinic_app.accounts.models import Role
from clinic_app.accounts.policy import can_cosign_note, can_write_note

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
