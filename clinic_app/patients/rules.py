"""Rules about a patient's identity details. Pure: no database."""

from __future__ import annotations

from collections.abc import Mapping

import phonenumbers

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


# The words a patient agrees to before any text is sent (stored with each consent).
TEXT_CONSENT_WORDING = (
    "Text me reminders of my visits and my home exercises from Back Solution at this number. "
    "Up to 2 messages a day; message and data rates may apply. Reply STOP to stop, HELP for help. "
    "Agreeing is not a condition of booking."
)


TEXT_PHONE_MESSAGE = ("For text reminders, enter a mobile number like (212) 555-0142 "
                      "(outside the US, start with + and the country code).")


class InvalidPhoneNumber(ValueError):
    """A number that cannot receive a text: not a valid number for its country."""


def phone_for_texts(raw: str, region: str = "US") -> str:
    """The number in E.164 (+15550100199), read as a US number unless it starts with +. Raises
    InvalidPhoneNumber when it is not a number a carrier could deliver to (phonenumbers, the
    port of Google's libphonenumber: length and ranges per country, not just digits)."""
    try:
        number = phonenumbers.parse(raw, region)
    except phonenumbers.NumberParseException as error:
        raise InvalidPhoneNumber(str(error)) from None
    if not phonenumbers.is_valid_number(number):
        raise InvalidPhoneNumber("not a valid number")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
