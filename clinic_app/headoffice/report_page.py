"""How the reports page shows its tables: clinics without data hidden unless asked for, each
clinic row with its state for the filter, and the network's headline figures for the summary."""

from __future__ import annotations

from dataclasses import dataclass

from clinic_app.reporting.tables import PER_CLINIC, Table

EMPTY_CELLS = ("", "0", "0.0", "0.0%")


@dataclass(frozen=True)
class ShownTable:
    table: Table
    rows: list[tuple[list[str], str]]  # (cells, state)
    hidden: int  # clinics without data left out


def shown_tables(tables: list[Table], show_empty: bool) -> list[ShownTable]:
    return [_shown(table, show_empty) for table in tables]


def _shown(table: Table, show_empty: bool) -> ShownTable:
    states = table.states or [""] * len(table.rows)
    rows = list(zip(table.rows, states, strict=True))
    if show_empty or table.key not in PER_CLINIC:
        return ShownTable(table, rows, 0)
    kept = [(row, state) for row, state in rows if not all(cell in EMPTY_CELLS for cell in row[1:])]
    return ShownTable(table, kept, len(rows) - len(kept))


# (table, column label, what the summary calls it)
HEADLINES = [
    ("bookings", "Bookings", "Bookings"),
    ("bookings", "New patients", "New patients"),
    ("utilisation", "Utilisation", "Utilisation"),
    ("bookings", "No-show rate", "No-show rate"),
    ("bookings", "Cancelled share", "Cancelled"),
    ("outcomes", "NPRS improved share", "Episodes with pain improved (NPRS)"),
    ("retention", "Day 3 still exercising", "Still exercising on day 3"),
]


def headline_figures(tables: list[Table]) -> list[tuple[str, str, str]]:
    """(name, the network's figure, the anchor of its table) for the page's summary."""
    by_key = {table.key: table for table in tables}
    found = []
    for key, column, name in HEADLINES:
        table = by_key.get(key)
        if table is None or table.network is None:
            continue
        index = [c.label for c in table.columns].index(column)
        found.append((name, table.network[index] or "no cases", key))
    return found
