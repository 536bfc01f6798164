"""Resource ids as FHIR clients see them: opaque, stable, and useless for guessing.

A database id in an address tells an outsider how many patients there are and invites trying
the next number. Here each id is the database key(s) encrypted with AES-SIV (deterministic
authenticated encryption, RFC 5297) under a key derived from SECRET_KEY, with the resource type
as associated data: the same record always has the same id, an id cannot be forged or moved to
another resource type, and the server needs no table to map ids back. Rotating SECRET_KEY changes
every id (partners would look records up again by identifier). Clinics and services are public
and already have slugs, which serve as their ids.
"""

from __future__ import annotations

import base64
import binascii
import struct

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESSIV
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from flask import current_app

from clinic_app.ids import LARGEST_ID

# An id is at most 64 characters of [A-Za-z0-9-.] (FHIR's id type): base32 of the 16-byte tag
# and up to four 4-byte numbers (52 characters) fits.
MAX_NUMBERS = 4


def _cipher() -> AESSIV:
    secret = current_app.config["SECRET_KEY"].encode()
    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=b"fhir resource ids").derive(secret)
    return AESSIV(key)


def encode_id(resource_type: str, *numbers: int) -> str:
    """The opaque id of the record(s) keyed by ``numbers`` (database ids, or a time in minutes)."""
    assert len(numbers) <= MAX_NUMBERS
    plain = struct.pack(f">{len(numbers)}i", *numbers)
    sealed = _cipher().encrypt(plain, [resource_type.encode()])
    return base64.b32encode(sealed).decode().rstrip("=").lower()


def decode_id(resource_type: str, opaque: str, count: int = 1) -> tuple[int, ...] | None:
    """The numbers inside an id made by encode_id for this resource type, or None for anything
    else (a typo, a forged id, an id of another type)."""
    if not opaque.isascii() or len(opaque) > 64:
        return None
    try:
        sealed = base64.b32decode(opaque.upper() + "=" * (-len(opaque) % 8))
        plain = _cipher().decrypt(sealed, [resource_type.encode()])
    except (binascii.Error, ValueError, InvalidTag):
        return None
    if len(plain) != 4 * count:
        return None
    return struct.unpack(f">{count}i", plain)


def decode_record_id(resource_type: str, opaque: str) -> int | None:
    """A single database id from an opaque id, or None."""
    numbers = decode_id(resource_type, opaque)
    if numbers is None or not 0 < numbers[0] <= LARGEST_ID:
        return None
    return numbers[0]
