"""The rollout timeline's picture: each clinic in the pipeline from the start of its rollout to
its last milestone, read from the rollout board (clinic_app/rollout decides what is late)."""

from __future__ import annotations

from datetime import datetime

from clinic_app.headoffice.charts.svg import Chart
from clinic_app.headoffice.charts.timeline import Milestone, TimelineRow, timeline_chart
from clinic_app.rollout.models import RolloutStage
from clinic_app.rollout.service import rollout_board


def rollout_timeline_chart(now: datetime) -> Chart:
    rows = [
        TimelineRow(card.rollout.clinic.name, RolloutStage(card.rollout.stage).label, card.rollout.created_at.date(),
                    [Milestone(view.milestone.title, view.milestone.due_on, view.milestone.done_on, view.late)
                     for view in card.milestones])
        for stage, cards in rollout_board(now) if stage != RolloutStage.OPEN for card in cards
    ]
    return timeline_chart("rollout-timeline", "Rollout timeline", rows, now.date())
