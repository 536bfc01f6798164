"""The report as tables of text, shared by the page and the CSV files, so both show the same
numbers: a clinic row each, then the network row. A figure about 1 to 9 patients reads
"fewer than 10" instead (DEFINITIONS["suppressed"]). Charts are drawn from the same figures."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from clinic_app.adherence.rules import Feeling
from clinic_app.extensions import db
from clinic_app.reporting.definitions import CLAIMED_DAY_3_SHARE, DEFINITIONS, OUTCOME_REFERENCE, RETENTION_DAYS
from clinic_app.reporting.queries.adherence import EffectFigures, effect_by_category, effect_by_exercise
from clinic_app.reporting.queries.bookings import BookingFigures
from clinic_app.reporting.queries.courses import CourseFigures, course_figures, network_figures
from clinic_app.reporting.queries.outcomes import OutcomeFigures, nprs_figures, odi_figures
from clinic_app.reporting.queries.scope import ClinicRef, ReportRange, add_up, report_clinics, share
from clinic_app.reporting.queries.sql import without_jit
from clinic_app.reporting.queries.trends import PeriodFigures, booking_trend, periods_of
from clinic_app.reporting.statistics import MIN_PATIENTS, SUPPRESSED, SurvivalPoint, suppressed, survival_at
from clinic_app.treatments.models import ExerciseCategory

NETWORK = "Network"


@dataclass(frozen=True)
class Column:
    label: str
    definition: str = ""  # a key of DEFINITIONS
    numeric: bool = True


@dataclass
class Table:
    key: str
    title: str
    columns: list[Column]
    rows: list[list[str]]
    network: list[str] | None = None
    notes: list[str] = field(default_factory=list)
    states: list[str] = field(default_factory=list)  # each clinic row's state, for filtering by region
    # The bookings table: the report's days cut into periods and each clinic's figures in each,
    # which the over-time charts draw (the table's figures are their sums).
    periods: list[ReportRange] = field(default_factory=list)
    trend: dict[int, list[PeriodFigures]] = field(default_factory=dict)
    # (label, events, cases) behind the table's chart: a clinic's no-shows of its visits with an
    # outcome, patients improved of those scored, programmes still exercising on day N of those
    # due, check-ins that felt better of an exercise's check-ins.
    counts: list[tuple[str, int, int]] = field(default_factory=list)
    # The retention table: the network's Kaplan-Meier curve (empty when it rests on too few).
    curve: list[SurvivalPoint] = field(default_factory=list)

    @property
    def definitions(self) -> list[tuple[str, str]]:
        """(the columns it explains, the definition), each definition once, in column order."""
        labels: dict[str, list[str]] = {}
        for column in self.columns:
            if column.definition:
                labels.setdefault(column.definition, []).append(column.label)
        return [(", ".join(names), DEFINITIONS[key]) for key, names in labels.items()]


def percent(value: float | None) -> str:
    return "" if value is None else f"{value * 100:.1f}%"


def decimal(value: float | None) -> str:
    """One decimal place; a small negative that rounds to zero shows as 0.0, not -0.0."""
    if value is None:
        return ""
    text = f"{value:.1f}"
    return "0.0" if text == "-0.0" else text


def build_tables(report: ReportRange, now: datetime, only: str | None = None) -> list[Table]:
    """Every table of the report in page order, or just the one named ``only``. ``now``: the
    adherence figures count the days closed on each clinic's calendar at that instant."""
    without_jit(db.session)
    clinics = report_clinics(report)
    groups = [
        (("bookings", "utilisation"), lambda: _booking_tables(report, clinics)),
        (("outcomes",), lambda: [_outcome_table(report, clinics)]),
        (("retention",), lambda: [_retention_table(report, clinics, now)]),
        (("exercises", "categories"), lambda: _effect_tables(report)),
    ]
    tables = [table for keys, build in groups if only is None or only in keys for table in build()]
    for table in tables:
        if table.key in PER_CLINIC:
            table.states = [clinic.state for clinic in clinics]
    return [table for table in tables if only is None or table.key == only]


PER_CLINIC = ("bookings", "utilisation", "outcomes", "retention")


BOOKING_COLUMNS = [
    Column("Clinic", numeric=False), Column("Bookings", "bookings"), Column("New patients", "new_patients"),
    Column("Cancelled", "cancelled"), Column("Cancelled share", "cancellation_rate"),
    Column("Late cancellations", "late_cancelled"), Column("Visits with an outcome (cases)", "no_show_rate"),
    Column("No-shows", "no_show_rate"), Column("No-show rate", "no_show_rate"),
    Column("Mean lead time (days)", "lead_days"), Column("Online", "online_share"),
    Column("Staff", "online_share"), Column("Other", "online_share"), Column("Online share", "online_share"),
]
UTILISATION_COLUMNS = [
    Column("Clinic", numeric=False), Column("Booked minutes", "booked_minutes"),
    Column("Available minutes", "available_minutes"), Column("Utilisation", "utilisation"),
]


def _booking_row(name: str, f: BookingFigures) -> list[str]:
    return [name, str(f.bookings), str(f.new_patients), str(f.cancelled), percent(f.cancellation_rate),
            str(f.late_cancelled), str(f.attended + f.no_shows), str(f.no_shows), percent(f.no_show_rate),
            decimal(f.mean_lead_days), str(f.online), str(f.staff), str(f.other_source),
            percent(f.online_share)]


def _booking_tables(report: ReportRange, clinics: list[ClinicRef]) -> list[Table]:
    periods = periods_of(report)
    trend = booking_trend(periods, clinics)
    figures = {c.id: add_up([p.bookings for p in trend[c.id]], BookingFigures) for c in clinics}
    available = {c.id: sum(p.available_minutes for p in trend[c.id]) for c in clinics}
    network = add_up(figures.values(), BookingFigures)
    network_available = sum(available.values())

    def utilisation(booked: int, free: int) -> list[str]:
        return [str(booked), str(free), percent(share(booked, free))]

    bookings = Table("bookings", "Bookings", BOOKING_COLUMNS,
                     [_booking_row(c.name, figures[c.id]) for c in clinics], _booking_row(NETWORK, network),
                     periods=periods, trend=trend,
                     counts=[(c.name, figures[c.id].no_shows, figures[c.id].attended + figures[c.id].no_shows)
                             for c in clinics])
    use = Table("utilisation", "Utilisation", UTILISATION_COLUMNS,
                [[c.name, *utilisation(figures[c.id].booked_minutes, available[c.id])] for c in clinics],
                [NETWORK, *utilisation(network.booked_minutes, network_available)])
    return [bookings, use]


OUTCOME_COLUMNS = [Column("Clinic", numeric=False)] + [
    column for scale in ("NPRS", "ODI")
    for column in (Column(f"{scale} episodes (cases)", "outcome_episodes"),
                   Column(f"{scale} followed up", "outcome_followed_up"),
                   Column(f"{scale} no follow-up", "outcome_followed_up"),
                   Column(f"{scale} improved", "outcome_verdict"), Column(f"{scale} unchanged", "outcome_verdict"),
                   Column(f"{scale} worse", "outcome_verdict"),
                   Column(f"{scale} improved share", "outcome_improved_share"),
                   Column(f"{scale} mean improvement (points)", "outcome_mean_improvement"))
]


def _outcome_cells(f: OutcomeFigures) -> list[str]:
    """An episode count, then the rest unless it rests on 1 to 9 episodes (one per patient)."""
    return [str(f.episodes), *_unless_few(f.episodes, str(f.followed_up), str(f.no_follow_up), str(f.improved),
                                          str(f.unchanged), str(f.worse), percent(f.improved_share),
                                          decimal(f.mean_improvement))]


def _outcome_table(report: ReportRange, clinics: list[ClinicRef]) -> Table:
    nprs, nprs_network = nprs_figures(report, clinics)
    odi, odi_network = odi_figures(report, clinics)

    def row(name, pain, disability):
        return [name, *_outcome_cells(pain), *_outcome_cells(disability)]

    return Table("outcomes", "Outcomes by episode of care", OUTCOME_COLUMNS,
                 [row(c.name, nprs[c.id], odi[c.id]) for c in clinics], row(NETWORK, nprs_network, odi_network),
                 notes=[OUTCOME_REFERENCE],
                 counts=[(c.name, nprs[c.id].improved, nprs[c.id].episodes) for c in clinics])


def _unless_few(patients: int, *cells: str) -> list[str]:
    """The cells, or the reason they are not shown when they rest on 1 to 9 patients."""
    return [SUPPRESSED if 0 < patients < MIN_PATIENTS else cell for cell in cells]


RETENTION_COLUMNS = [
    Column("Clinic", numeric=False), Column("Courses", "courses"), Column("Never started", "never_started"),
    Column("Awaiting first check-in", "never_started"), Column("Patients in the curve", "curve_patients"),
] + [
    column for day in RETENTION_DAYS
    for column in (Column(f"Day {day} at risk", "retention"), Column(f"Day {day} still exercising", "retention"),
                   Column(f"Day {day} 95% band", "retention"))
]


def band(low: float | None, high: float | None) -> str:
    return "" if low is None or high is None else f"{percent(low)} to {percent(high)}"


def day_cells(curve: list[SurvivalPoint], patients: int, day: int) -> list[str]:
    """At risk, estimate and band on ``day``; suppressed when the curve has fewer than 10
    patients or fewer than 10 are still followed on that day."""
    found = survival_at(curve, day)
    if found is None:
        return ["0", "", ""]
    if suppressed(patients) or suppressed(found.at_risk):
        return [str(found.at_risk), SUPPRESSED, SUPPRESSED]
    return [str(found.at_risk), percent(found.estimate), band(found.low, found.high)]


def _retention_row(name: str, f: CourseFigures) -> list[str]:
    curve = f.curve()
    cells = [name, str(f.courses), str(f.never_started), str(f.awaiting), str(f.curve_patients)]
    for day in RETENTION_DAYS:
        cells += day_cells(curve, f.curve_patients, day)
    return cells


def _retention_table(report: ReportRange, clinics: list[ClinicRef], now: datetime) -> Table:
    figures = course_figures(report, clinics, now)
    network = network_figures(figures)
    curve = network.curve()
    _, day_3, band_3 = day_cells(curve, network.curve_patients, 3)
    said = {"": "no patients followed that long", SUPPRESSED: "fewer than 10 patients followed"}.get(
        day_3, f"{day_3} (95% band {band_3})")
    return Table("retention", "Still exercising after the visit", RETENTION_COLUMNS,
                 [_retention_row(c.name, figures[c.id]) for c in clinics], _retention_row(NETWORK, network),
                 notes=[DEFINITIONS["claim"],
                        f"Network day 3: {said}, against the claimed {percent(CLAIMED_DAY_3_SHARE)}."],
                 curve=[] if suppressed(network.curve_patients) else curve)


def _effect_columns(by_category: bool) -> list[Column]:
    names = [Column("Category", numeric=False)] if by_category else [
        Column("Exercise", numeric=False), Column("Category", numeric=False)]
    return [*names, Column("Check-ins (cases)", "effect_check_ins"), Column("Felt better", "effect_feeling"),
            Column("Felt the same", "effect_feeling"), Column("Felt worse", "effect_feeling"),
            Column("Pain change cases", "effect_pain_change"), Column("Mean pain change", "effect_pain_change")]


def category_label(category: str) -> str:
    return ExerciseCategory(category).value.replace("_", " ").capitalize()


def _effect_row(f: EffectFigures, by_category: bool) -> list[str]:
    names = [category_label(f.category)] if by_category else [f.label, category_label(f.category)]
    return [*names, str(f.check_ins), *(percent(f.share(feeling)) for feeling in Feeling),
            str(f.changes), decimal(f.mean_pain_change)]


def _effect_tables(report: ReportRange) -> list[Table]:
    exercises = effect_by_exercise(report)
    categories = effect_by_category(report)
    scope = ["For the chosen clinic's programmes." if report.clinic_id else
             "For the whole network: every patient's check-ins, whichever clinic prescribed the programme."]
    return [
        Table("exercises", "Effect by exercise", _effect_columns(False), [_effect_row(f, False) for f in exercises],
              notes=scope,
              counts=[(f.label, f.better, f.check_ins) for f in exercises]),
        Table("categories", "Effect by category", _effect_columns(True), [_effect_row(f, True) for f in categories],
              notes=scope),
    ]


TABLE_KEYS = ("bookings", "utilisation", "outcomes", "retention", "exercises", "categories")
