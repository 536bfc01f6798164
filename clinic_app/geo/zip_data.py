"""The offline ZIP code data (``zipcodes``), read once per process: reading it costs over a
second, and both the ZIP index and the place names are built from it."""

from __future__ import annotations

from functools import lru_cache

import zipcodes


@lru_cache(maxsize=1)
def zip_rows() -> tuple[dict, ...]:
    """Every ZIP code with a known centre, as the package's rows."""
    return tuple(row for row in zipcodes.list_all() if row.get("lat") and row.get("long"))
