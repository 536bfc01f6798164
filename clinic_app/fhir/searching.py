"""One search answer for every resource type: the ``_id`` filter, then one page of a Bundle."""

from __future__ import annotations

from collections.abc import Sequence

from flask import Response

from clinic_app.fhir.params import used, values
from clinic_app.fhir.responses import Page, fhir_response, search_bundle


def search_answer(resource_type: str, resources: Sequence[dict], *applied: str) -> Response:
    """Those of ``resources`` whose id is among ``_id`` (when given), one page of them."""
    wanted = set(values("_id"))
    if wanted:
        resources = [resource for resource in resources if resource["id"] in wanted]
    page = Page.from_request()
    shown = resources[page.offset:page.offset + page.count]
    return fhir_response(search_bundle(resource_type, shown, len(resources), page, used("_id", *applied)))
