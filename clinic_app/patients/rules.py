"""Rules about a patient's identity details. Pure: no database."""

from __future__ import annotations

from collections.abc import Mapping

# The details a booking carries that the record also holds. The e-mail address and date of
# birth are what a booking is matched by, so they never differ.
IDENTITY_FIELDS = ("first_name", "last_name", "phone")


def identity_differences(stored: Mapping[str, str], given: Mapping[str, str]) -> dict[str, str]:
    """The details given at a booking that differ from the record, as given. Names compare with
    their spaces tidied (a record is spelt as the patient spells it, so case counts); phone
    numbers by their digits, so "(555) 010-0100" is "555-010-0100". A detail left blank is no
    difference: a booking never proposes to erase what the record holds."""
    found = {}
    for name in IDENTITY_FIELDS:
        value = " ".join((given.get(name) or "").split())
        if value and _comparable(name, value) != _comparable(name, stored.get(name) or ""):
            found[name] = value
    return found


def _comparable(name: str, value: str) -> str:
    if name == "phone":
        return "".join(ch for ch in value if ch.isdigit())
    return " ".join(value.split())
