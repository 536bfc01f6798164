"""Database ids as they arrive from outside: in a URL, a query string or a hidden field."""

from __future__ import annotations

from werkzeug.routing import IntegerConverter

# The largest PostgreSQL ``integer``. A larger number is no record's id; passed on to the
# database it would be an error (PostgreSQL) or an OverflowError (SQLite), not a 404.
LARGEST_ID = 2**31 - 1


def parse_id(raw: str | None) -> int | None:
    """The id written in ``raw``, or None when it is not one. ``str.isdigit`` alone is not
    enough: it accepts "²", which ``int`` refuses."""
    if raw and raw.isascii() and raw.isdigit() and 0 < int(raw) <= LARGEST_ID:
        return int(raw)
    return None


class DatabaseIdConverter(IntegerConverter):
    """``<int:...>`` in every route: a number beyond any id is a 404, never a 500."""

    def __init__(self, map, *args, **kwargs):
        kwargs.setdefault("max", LARGEST_ID)
        super().__init__(map, *args, **kwargs)
