"""The rollout as a timeline (Gantt-like): a row per clinic from the start of its rollout to its
last milestone, each milestone a mark on its due date (done, open or late), and today's line."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from markupsafe import Markup

from clinic_app.headoffice.charts.svg import Chart, Frame, Scale, document, element


@dataclass(frozen=True)
class Milestone:
    title: str
    due_on: date
    done_on: date | None
    late: bool

    @property
    def state(self) -> str:
        return "done" if self.done_on else "late" if self.late else "open"


@dataclass(frozen=True)
class TimelineRow:
    clinic: str
    stage: str
    started_on: date
    milestones: list[Milestone]


def timeline_chart(key: str, title: str, rows: list[TimelineRow], today: date) -> Chart:
    row_height = 26
    frame = Frame(height=50 + row_height * max(len(rows), 1), left=200, bottom=34, right=24)
    days = [today, *(r.started_on for r in rows), *(m.due_on for r in rows for m in r.milestones)]
    first, last = min(days) - timedelta(days=3), max(days) + timedelta(days=3)
    x = Scale(0, (last - first).days, frame.x0, frame.x1)

    def at(day: date) -> float:
        return x((day - first).days)

    body: list[Markup] = _month_marks(frame, first, last, at)
    for number, row in enumerate(rows):
        y = frame.y1 + row_height * number + row_height / 2
        end = max([row.started_on, *(m.due_on for m in row.milestones)])
        body.append(element("text", f"{row.clinic[:26]} ({row.stage})", x=frame.x0 - 8, y=y + 4, class_="tick tick-y"))
        body.append(element("rect", x=at(row.started_on), y=y - 6, width=max(at(end) - at(row.started_on), 2),
                            height=12, class_="span"))
        for m in row.milestones:
            cx = at(m.due_on)
            body.append(element("path", element("title", f"{m.title}: due {m.due_on.isoformat()}, {m.state}"),
                                d=f"M{cx},{y - 7} L{cx + 7},{y} L{cx},{y + 7} L{cx - 7},{y} Z",
                                class_=f"milestone {m.state}"))
    body.append(element("line", x1=at(today), x2=at(today), y1=frame.y1 - 8, y2=frame.y0, class_="today"))
    body.append(element("text", "today", x=at(today), y=frame.y1 - 10, class_="today-label"))
    late = sum(m.late for r in rows for m in r.milestones)
    summary = (f"{title}: {len(rows)} clinics in the pipeline, "
               f"{sum(len(r.milestones) for r in rows)} milestones, {late} late as of {today.isoformat()}.")
    table = [[r.clinic, r.stage, m.title, m.due_on.isoformat(), m.done_on.isoformat() if m.done_on else "",
              m.state] for r in rows for m in r.milestones]
    return Chart(key, title, summary, document(key, title, summary, frame, body),
                 ["Clinic", "Stage", "Milestone", "Due", "Done", "State"], table)


def _month_marks(frame: Frame, first: date, last: date, at) -> list[Markup]:
    """A grid line and label at the start of each month in view (every second one past a year)."""
    months, day = [], first.replace(day=1)
    while day <= last:
        if day >= first:
            months.append(day)
        day = (day + timedelta(days=32)).replace(day=1)
    step = 1 if len(months) <= 12 else 2 if len(months) <= 24 else 6
    marks = []
    for month in months[::step]:
        marks.append(element("line", x1=at(month), x2=at(month), y1=frame.y1, y2=frame.y0, class_="grid"))
        marks.append(element("text", month.strftime("%b %Y"), x=at(month), y=frame.y0 + 18, class_="tick tick-x"))
    return marks
