"""The reports page's charts, drawn from the same figures as its tables (reporting/tables.py):
bookings and utilisation over time, the no-show and outcome funnel plots, the still-exercising
curve against the claim, and how each exercise felt with its interval."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable

from clinic_app.headoffice.charts.clinical import Estimate, FunnelUnit, funnel_chart, interval_chart, survival_chart
from clinic_app.headoffice.charts.lines import Series, line_chart
from clinic_app.headoffice.charts.svg import Chart, percent
from clinic_app.reporting.definitions import CLAIMED_DAY_3_SHARE
from clinic_app.reporting.funnel import network_rate
from clinic_app.reporting.queries.trends import PeriodFigures, total_trend
from clinic_app.reporting.statistics import MIN_PATIENTS, wilson_interval
from clinic_app.reporting.tables import NETWORK, Table

STATES_SHOWN = 4  # the busiest states drawn beside the network; the table lists them all
CHART_KEYS = ("bookings-over-time", "utilisation-over-time", "no-show-funnel", "outcomes-funnel",
              "retention-curve", "exercise-effect")


def report_charts(tables: list[Table]) -> list[Chart]:
    """Every chart whose table is among ``tables``, in page order."""
    by_key = {table.key: table for table in tables}
    builders: list[tuple[str, Callable[[Table], list[Chart]]]] = [
        ("bookings", _over_time), ("bookings", _no_show_funnel), ("outcomes", _outcomes_funnel),
        ("retention", _retention_curve), ("exercises", _exercise_effect),
    ]
    return [chart for key, build in builders if key in by_key for chart in build(by_key[key])]


def _over_time(table: Table) -> list[Chart]:
    names = [f"{p.first_day.strftime('%d %b')}" for p in table.periods]
    series = _series(table)

    def line(pick: Callable[[PeriodFigures], float | None]) -> list[Series]:
        return [Series(name, [pick(f) for f in figures]) for name, figures in series]

    return [
        line_chart("bookings-over-time", "Bookings over time", names, line(lambda f: f.bookings.bookings),
                   lambda v: "" if v is None else f"{v:,.0f}"),
        line_chart("utilisation-over-time", "Utilisation over time", names, line(lambda f: f.utilisation),
                   lambda v: percent(v, 0)),
    ]


def _series(table: Table) -> list[tuple[str, list[PeriodFigures]]]:
    """The network and its busiest states; a single clinic alone when one was chosen."""
    count = len(table.periods)
    ids = list(table.trend)
    if len(ids) == 1:
        return [(table.rows[0][0], table.trend[ids[0]])]
    by_state: dict[str, list[int]] = defaultdict(list)
    for clinic_id, state in zip(ids, table.states, strict=True):
        by_state[state].append(clinic_id)
    states = [(state, total_trend(table.trend, members, count)) for state, members in by_state.items()]
    states = [item for item in states if any(f.bookings.bookings for f in item[1])]
    states.sort(key=lambda item: -sum(f.bookings.bookings for f in item[1]))
    return [(NETWORK, total_trend(table.trend, ids, count)), *states[:STATES_SHOWN]]


def _funnel(key: str, title: str, measure: str, counts: list[tuple[str, int, int]], patients: bool) -> list[Chart]:
    floor = MIN_PATIENTS if patients else 1
    units = [FunnelUnit(name, events, cases) for name, events, cases in counts if cases >= floor]
    rate = network_rate([(u.events, u.cases) for u in units])
    return [funnel_chart(key, title, units, rate, measure)] if rate is not None else []


def _no_show_funnel(table: Table) -> list[Chart]:
    return _funnel("no-show-funnel", "No-show rate by clinic against the network", "No-shows", table.counts, False)


def _outcomes_funnel(table: Table) -> list[Chart]:
    return _funnel("outcomes-funnel", "Pain improved (NPRS) by clinic against the network", "Improved",
                   table.counts, True)


def _retention_curve(table: Table) -> list[Chart]:
    """The network's Kaplan-Meier curve with its log-log band, while 10 or more are at risk."""
    points = [(0, 1.0, 1.0, 1.0)]
    for point in table.curve:
        if point.at_risk >= MIN_PATIENTS:
            low = point.estimate if point.low is None else point.low
            high = point.estimate if point.high is None else point.high
            points.append((point.day, point.estimate, low, high))
    return [survival_chart("retention-curve", "Still exercising after the visit, network, with 95% intervals",
                           points, CLAIMED_DAY_3_SHARE, 3)]


def _exercise_effect(table: Table) -> list[Chart]:
    estimates = []
    for label, better, check_ins in table.counts:
        interval = wilson_interval(better, check_ins)
        if interval and check_ins >= MIN_PATIENTS:
            estimates.append(Estimate(label, better / check_ins, interval.low, interval.high, check_ins))
    return [interval_chart("exercise-effect", "Check-ins that felt better, by exercise, with 95% intervals",
                           "Exercise", estimates, lambda v: percent(v, 0), zero=None)]
