"""Head office's charts, overview and reports as a user sees them: every chart carries its
numbers as a table and in words, draws under the Content Security Policy (no inline style),
the overview compares this period with the last and suppresses figures about fewer than 10
patients, the reports hide clinics without data until asked."""

from __future__ import annotations

import csv
import io
import re
from datetime import date, timedelta

import pytest

from clinic_app.clock import utcnow
from clinic_app.extensions import db
from clinic_app.headoffice.charts.clinical import Estimate, FunnelUnit, funnel_chart, interval_chart, survival_chart
from clinic_app.headoffice.charts.lines import Series, line_chart, sparkline
from clinic_app.headoffice.charts.timeline import Milestone, TimelineRow, timeline_chart
from clinic_app.headoffice.overview import cards
from clinic_app.reporting.funnel import control_limits
from clinic_app.reporting.overview import KeyFigure, Overview
from clinic_app.reporting.queries.scope import ReportRange
from clinic_app.reporting.queries.trends import periods_ending, periods_of
from tests.factories import make_booking, make_clinic, make_practitioner, make_service
from tests.test_rollout import login_head_office


def percent(value):
    return "" if value is None else f"{value * 100:.1f}%"


def all_charts():
    return [
        line_chart("lines", "Bookings over time", ["1 Jan", "8 Jan", "15 Jan"],
                   [Series("Network", [10, None, 30]), Series("NY", [4, 5, 6])], lambda v: f"{v:.0f}"),
        funnel_chart("funnel", "No-show rate", [FunnelUnit("<Clinic & Co>", 2, 40), FunnelUnit("B", 30, 100)],
                     0.1, "No-shows"),
        survival_chart("curve", "Still exercising", [(0, 1, 1, 1), (3, 0.4, 0.3, 0.5), (7, 0.2, 0.1, 0.3)], 0.3, 3),
        interval_chart("effect", "Felt better", "Exercise", [Estimate("Bird dog", 0.4, 0.3, 0.5, 80)], percent),
        timeline_chart("timeline", "Rollout", [TimelineRow("Omaha", "Fit-out", date(2026, 1, 5), [
            Milestone("Keys", date(2026, 2, 1), date(2026, 1, 30), False),
            Milestone("Signage", date(2026, 2, 10), None, True)])], date(2026, 2, 15)),
    ]


@pytest.mark.parametrize("chart", all_charts(), ids=lambda c: c.key)
def test_every_chart_is_one_named_image_with_no_inline_style_and_its_data_as_rows(chart):
    svg = str(chart.svg)
    assert svg.startswith("<svg") and 'role="img"' in svg
    assert f'aria-labelledby="{chart.key}-svg-title {chart.key}-svg-desc"' in svg
    assert f"<desc id=\"{chart.key}-svg-desc\">" in svg
    assert "style=" not in svg and "<script" not in svg.lower()
    assert chart.rows and all(len(row) == len(chart.columns) for row in chart.rows)


def test_a_clinic_name_is_drawn_as_text_never_as_markup():
    chart = all_charts()[1]
    assert "<Clinic" not in str(chart.svg) and "&lt;Clinic &amp; Co&gt;" in str(chart.svg)


def test_the_funnel_table_gives_each_clinic_its_exact_limits_and_its_band():
    chart = funnel_chart("f", "No-show rate", [FunnelUnit("Small", 2, 40), FunnelUnit("Busy", 30, 100)], 0.1,
                         "No-shows")
    small, busy = chart.rows
    limits = control_limits(100, 0.1)
    assert busy == ["Busy", "100", "30", "30.0%", percent(limits.low_95), percent(limits.high_95),
                    percent(limits.low_998), percent(limits.high_998), "above the 99.8% limit"]
    assert small[-1] == "within the 95% limits"
    assert "Outside the 99.8% limits: Busy." in chart.summary


def test_the_survival_curve_says_day_3_against_the_claim_in_words():
    chart = all_charts()[2]
    assert "Day 3: 40.0% (95% interval 30.0% to 50.0%) against the claimed 30%." in chart.summary
    assert 'class="reference"' in str(chart.svg) and 'class="band"' in str(chart.svg)


def test_the_timeline_marks_late_and_done_milestones_and_today():
    chart = all_charts()[4]
    svg = str(chart.svg)
    assert 'class="milestone late"' in svg and 'class="milestone done"' in svg and 'class="today"' in svg
    assert ["Omaha", "Fit-out", "Signage", "2026-02-10", "", "late"] in chart.rows
    assert "1 late as of 2026-02-15" in chart.summary


def test_a_line_chart_leaves_a_gap_where_there_is_nothing_to_count():
    chart = all_charts()[0]
    assert ["8 Jan", "no cases", "5"] in chart.rows
    assert "Network from 10 to 30" in chart.summary


def test_a_sparkline_reads_out_each_period():
    svg = str(sparkline("t", "Bookings", [3, 5], lambda v: f"{v:.0f}", ["Jan", "Feb"]))
    assert "Trend of bookings: Jan 3, Feb 5." in svg


def test_periods_cover_the_report_exactly_in_weeks_four_week_or_quarter_runs():
    assert periods_ending(date(2026, 3, 28), 2, 28) == [ReportRange(date(2026, 2, 1), date(2026, 2, 28)),
                                                         ReportRange(date(2026, 3, 1), date(2026, 3, 28))]
    weeks = periods_of(ReportRange(date(2026, 3, 1), date(2026, 3, 28)))
    assert [p.days for p in weeks] == [7, 7, 7, 7]
    year = periods_of(ReportRange(date(2025, 3, 1), date(2026, 2, 28)))
    assert year[0].first_day == date(2025, 3, 1) and year[-1].last_day == date(2026, 2, 28)
    assert sum(p.days for p in year) == 365 and len(year) == 5 and year[1].days == 91
    half = periods_of(ReportRange(date(2025, 9, 12), date(2026, 2, 26)))
    assert len(half) == 6 and half[-1].days == 28 and sum(p.days for p in half) == 168


@pytest.mark.parametrize("patients, shown", [(9, "not shown"), (10, "50.0%")])
def test_a_figure_about_fewer_than_10_patients_is_not_shown_and_says_why(patients, shown):
    figure = KeyFigure("outcomes", "Pain improved by the MCID (NPRS)", [0.4, 0.5], [12, patients], True,
                       about_patients=True)
    card = cards(Overview(periods_ending(date(2026, 3, 28), 2, 28), [figure], []))[0]
    assert card.now == shown
    if patients < 10:
        assert card.note == "Fewer than 10 patients (9): not shown." and card.change == ""
    else:
        assert card.change == "+10.0 points" and card.note == "n = 10 patients."


@pytest.fixture
def busy_and_quiet_clinic(app):
    clinic = make_clinic(name="Back Solution Busy")
    service = make_service(clinics=[clinic])
    practitioner = make_practitioner(clinic, services=[service])
    now = utcnow()
    for days_ago in (4, 5, 6):
        make_booking(clinic, service, practitioner, now=now - timedelta(days=days_ago))
    make_booking(clinic, service, practitioner, now=now - timedelta(days=40))
    make_clinic(name="Back Solution Quiet", state="CT", city="Hartford", zip_code="06103")
    db.session.commit()


def test_the_overview_shows_this_periods_bookings_against_the_last(client, busy_and_quiet_clinic):
    login_head_office(client)
    page = client.get("/headoffice/").get_data(as_text=True)
    bookings = page[page.index('id="figure-bookings"'):page.index('id="figure-utilisation"')]
    assert re.search(r"<strong>3</strong> <span class=\"figure-change\">\+200%</span>", bookings)
    assert "Last period: 1" in bookings
    assert 'role="img"' in bookings and "Trend of bookings:" in bookings


def test_reports_leave_out_clinics_without_data_until_asked(client, busy_and_quiet_clinic):
    login_head_office(client)
    page = client.get("/headoffice/reports").get_data(as_text=True)
    detail = page[page.index('id="detail"'):]
    assert "<th scope=\"row\">Back Solution Busy</th>" in detail
    assert "Back Solution Quiet" not in detail and "Show clinics without data" in detail
    everything = client.get("/headoffice/reports?empty=1").get_data(as_text=True)
    assert "<th scope=\"row\">Back Solution Quiet</th>" in everything[everything.index('id="detail"'):]
    assert 'data-state="CT"' in everything


def test_a_chart_downloads_as_csv_with_the_same_rows(client, busy_and_quiet_clinic):
    login_head_office(client)
    response = client.get("/headoffice/reports/charts/bookings-over-time.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    assert rows[0][:2] == ["Period", "Network"]
    assert sum(int(row[1]) for row in rows[1:]) == 3
    assert client.get("/headoffice/reports/charts/nothing.csv").status_code == 404
