"""The overview's cards: each key figure of clinic_app/reporting/overview.py as this period
against the last, its change, its trend line and where its detail is; the rollout pipeline's
counts by stage with late milestones. Words and pictures only: the figures come from reporting."""

from __future__ import annotations

from dataclasses import dataclass

from markupsafe import Markup

from clinic_app.headoffice.charts.lines import sparkline
from clinic_app.headoffice.charts.svg import percent
from clinic_app.reporting.definitions import DEFINITIONS
from clinic_app.reporting.overview import KeyFigure, Overview
from clinic_app.reporting.statistics import MIN_PATIENTS
from clinic_app.rollout.models import RolloutStage

# Where each figure's detail is on the reports page (an anchor there).
DETAIL = {"bookings": "bookings", "utilisation": "utilisation", "no_show_rate": "bookings",
          "late_cancellation_rate": "bookings", "new_patients": "bookings", "outcomes": "outcomes",
          "retention": "retention"}
DEFINITION = {"outcomes": "outcome_improved_share", "retention": "retention"}


@dataclass(frozen=True)
class Card:
    key: str
    label: str
    now: str
    before: str
    change: str
    note: str  # n, suppression or the claim
    trend: Markup
    detail: str  # anchor on the reports page
    definition: str


def figure_text(figure: KeyFigure, index: int) -> str:
    if figure.suppressed(index):
        return "not shown"
    value = figure.values[index]
    if value is None:
        return "no cases"
    return percent(value) if figure.is_share else f"{value:,.0f}"


def cards(overview: Overview) -> list[Card]:
    labels = [f"{p.first_day.strftime('%d %b')}-{p.last_day.strftime('%d %b')}" for p in overview.periods]
    return [_card(figure, labels) for figure in overview.figures]


def _card(figure: KeyFigure, labels: list[str]) -> Card:
    def text(value):
        if value is None:
            return ""
        return percent(value) if figure.is_share else f"{value:,.0f}"

    return Card(figure.key, figure.label, figure_text(figure, -1), figure_text(figure, -2), _change(figure),
                _note(figure), sparkline(f"trend-{figure.key}", figure.label, figure.trend, text, labels, figure.claim),
                DETAIL[figure.key], DEFINITIONS[DEFINITION.get(figure.key, figure.key)])


def _change(figure: KeyFigure) -> str:
    now, before = figure.shown(-1), figure.shown(-2)
    if now is None or before is None:
        return ""
    if figure.is_share:
        points = (now - before) * 100
        return f"{'+' if points >= 0 else '−'}{abs(points):.1f} points"
    if not before:
        return ""
    return f"{'+' if now >= before else '−'}{abs(now - before) / before * 100:.0f}%"


def _note(figure: KeyFigure) -> str:
    cases = figure.cases[-1]
    if figure.suppressed(-1):
        return f"Fewer than {MIN_PATIENTS} patients ({cases}): not shown."
    if figure.claim is not None:
        return f"Claimed: {percent(figure.claim, 0)}. n = {cases} programmes."
    if figure.about_patients:
        return f"n = {cases} patients."
    return ""


def pipeline_counts(board) -> list[tuple[str, int, int]]:
    """(stage, clinics at it, late milestones among them), open clinics left out."""
    return [(stage.label, len(cards_), sum(len(card.late) for card in cards_))
            for stage, cards_ in board if stage != RolloutStage.OPEN]
