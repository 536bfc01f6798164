"""The FHIR R4 API under /fhir/R4/: JSON only (application/fhir+json), every error an
OperationOutcome. Public directory resources (public_views.py), the SMART Backend Services
token endpoint (token_views.py), and the patient resources it guards (patient_views.py)."""

from flask import Blueprint

from clinic_app.extensions import csrf
from clinic_app.headers import never_cache

bp = Blueprint("fhir", __name__, url_prefix="/fhir/R4")
csrf.exempt(bp)  # no cookie is read here: a bearer token, or nothing, is the credential
bp.after_request(never_cache)

from clinic_app.fhir import patient_views, public_views, token_views  # noqa: E402, F401 - routes join bp
