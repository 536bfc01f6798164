"""The FHIR R4 API under /fhir/R4/ (its blueprint and route modules: views.py)."""
