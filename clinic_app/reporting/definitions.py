"""What every figure of network reporting means, in one place: the text shown beside it on the
page (DEFINITIONS, with its published reference where there is one) and the constants and
settings that decide it. The queries (clinic_app/reporting/queries/) compute the figures by
these definitions; tests compare them with the pure rules (adherence.rules, scheduling.rules).

- Late cancellation: cancelled when the online change window had closed, i.e. less than
  CHANGE_NOTICE_HOURS (a setting, 24 by default) before the start: the window is
  scheduling.rules.change_window_open, the same predicate that refuses a late change online.
- Retention (day 3, 7, 14): RETENTION_DAYS, against the published claim CLAIMED_DAY_3_SHARE.
- Outcomes: THE outcome rule (outcome_verdict, episode_outcome), used by the practitioner's
  chart, the patient portal and head office alike. Per episode of care, the intake score
  against the latest (or discharge) score of the same episode. Lower is better on both scales.
  IMPROVED when the fall is at least 30% of the intake score (Ostelo et al., Spine 2008) AND at
  least the absolute MCID (NPRS_MCID_POINTS, 2 points, Childs et al., Spine 2005;
  ODI_MCID_POINTS, 6 points, Fritz & Irrgang, Phys Ther 2001); WORSE when the rise is at least
  the MCID; UNCHANGED otherwise. Why both: 30% alone lets a tiny baseline qualify (NPRS 3 -> 2
  is a 33% fall of one point, within measurement error); points alone miss large relative
  gains at a low baseline on the ODI (12 -> 4 is a 67% fall of 8 points). An episode with an
  intake score and nothing after it is NO_FOLLOW_UP, reported, never dropped.
- Adherence courses, time to stop, never started, closed days: see "Adherence" below and
  ``course_follow_up`` (the pure rule the SQL in queries/courses.py is tested against).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

from flask import current_app

# "Only 3 in 10 still exercising 2-3 days after the visit": the company's published claim,
# compared with the day-3 retention.
CLAIMED_DAY_3_SHARE = 0.3
# Retention is read from the curve on these days after the prescription (the prescription
# day is day 0).
RETENTION_DAYS = (3, 7, 14)
# The curve is drawn up to this day.
CURVE_DAYS = 28
# Improved needs a fall of at least 3 tenths (30%) of the intake score, compared in whole
# tenths of a point (ODI scores have one decimal) so no floating-point rounding can tip it.
IMPROVEMENT_TENTHS = 3
OUTCOME_REFERENCE = ("Improved: a fall of at least 30% of the intake score (Ostelo et al., Spine 2008;33:90-4) and "
                     "of at least the minimal clinically important difference, NPRS 2 points (Childs et al., Spine "
                     "2005;30:1331-4), ODI 6 points (Fritz & Irrgang, Phys Ther 2001;81:776-88). Worse: a rise of "
                     "at least that difference. Intake score against the latest (or discharge) score of the same "
                     "episode of care.")
# Where a booking came from (Booking.source): the patient themself, on the site or through the
# public API, or staff at the desk (a walk-in included). Anything else (demo data, an import)
# counts as other.
ONLINE_SOURCES = ("online", "api")
# Text-message reminders (clinic_app/reporting/queries/texts.py). A reminder is an outbox row of
# the visit whose key names it (scheduling/reminders.py, scheduling/texts.py); a share from fewer
# than statistics.MIN_PATIENTS visits or texts is not shown. Twilio's final delivery states.
EMAIL_REMINDER_KEYS = "booking:%:reminder:%"
TEXT_REMINDER_KEYS = "booking:%:text-reminder:%"
DELIVERY_FINAL_STATES = ("delivered", "undelivered", "failed")
STAFF_SOURCES = ("staff", "walk_in")


DEFINITIONS = {
    "bookings": "Visits that start on a day in the range (the clinic's own calendar day), whatever "
                "became of them: cancelled visits included.",
    "new_patients": "Visits in the range booked as the patient's first visit to Back Solution, not "
                    "cancelled.",
    "cancelled": "Visits in the range that were cancelled, by the patient or the clinic, at any time.",
    "late_cancelled": "Cancelled visits whose cancellation came less than the online-change notice "
                      "(24 hours) before the visit was due to start, when patients can no longer "
                      "change a visit online. One cancelled exactly 24 hours before is not late.",
    "cancellation_rate": "Cancelled visits as a share of all bookings in the range.",
    "no_show_rate": "Visits marked as a no-show, as a share of the visits whose outcome was recorded "
                    "(arrived, seen or no-show). Visits still marked booked are left out. Cases: "
                    "the visits with a recorded outcome.",
    "lead_days": "Mean time from making the booking to the start of the visit, in days, over every "
                 "booking in the range.",
    "online_share": "Bookings the patient made themself (on the website or through the booking "
                    "API) as a share of all bookings in the range. Staff: booked at the desk or on "
                    "the phone, walk-ins included. Other: any other source (imported or demo data).",
    "booked_minutes": "The booked length of each visit in the range that was not cancelled "
                      "(no-shows included: the time was held for them), added up.",
    "available_minutes": "Each active practitioner's working time at the clinic on each day of the "
                         "range: their weekly hours there (or the dated hours that replace them), "
                         "inside the clinic's opening hours, less their weekly breaks and any time "
                         "off, on days the clinic is not closed for a holiday. This is the time the "
                         "booking engine offers as slots, from the schedules as they stand today "
                         "(past schedule changes are not kept).",
    "utilisation": "Booked minutes as a share of available minutes. It can pass 100% when visits "
                   "were booked outside the schedule (staff bookings, since-changed hours).",
    "outcome_episodes": "Episodes of care whose intake visit was on a day in the range (the clinic's "
                        "calendar), at the clinic of the intake visit, with an intake score on the scale "
                        "(NPRS 0-10: the pain before treatment in a signed note of a visit the patient "
                        "came to; ODI 0-100%: a scored Oswestry questionnaire). Drafts, no-show visits "
                        "and unscored questionnaires never count.",
    "outcome_followed_up": "Of those episodes, the ones with a later score in the same episode (to "
                           "this day); the others are counted as no follow-up, not dropped.",
    "outcome_verdict": "Intake score against the latest (or discharge) score of the same episode. "
                       + OUTCOME_REFERENCE,
    "outcome_improved_share": "Improved episodes as a share of ALL the episodes with an intake score, "
                              "those with no follow-up included (counted as not shown to improve), so "
                              "the share is not only among the patients who came back.",
    "outcome_mean_improvement": "Intake minus latest score, averaged over the followed-up episodes: "
                                "positive means less pain or disability.",
    "programmes": "Home exercise programmes prescribed on a day in the range. A programme belongs "
                  "to the clinic of the patient's latest visit (not cancelled) that started at or "
                  "before it was prescribed.",
    "courses": "Patients whose first home programme was prescribed on a day in the range (the "
               "prescribing clinic's calendar day). One row per patient: a changed programme "
               "continues the same course.",
    "never_started": "Courses with no check-in at all, counted once STOP_QUIET_DAYS (3) days "
                     "since the prescription have closed; not counted as stopping. Awaiting: "
                     "prescribed too recently to say.",
    "curve_patients": "Courses with a check-in: the patients behind the curve (Kaplan-Meier, "
                      "Kaplan & Meier, JASA 1958).",
    "retention": "Kaplan-Meier estimate of the share still exercising on day N (an exercise "
                 "check-in on day N or later; the prescription day is day 0), with its 95% band "
                 "(Greenwood variance, log-log scale). A patient has stopped once 3 closed days "
                 "have passed with no exercise after their last one (a permissible gap, as in "
                 "persistence studies: Cramer et al., Value Health 2008;11:44-7). Patients still "
                 "within that gap are censored at their last closed day (right-censoring), not "
                 "counted as stopped nor left out. Day N is counted only once day N + 1 has ended "
                 "on the clinic's calendar (a check-in can be made for yesterday). At risk: "
                 "patients still followed on day N; a figure with fewer than 10 is not shown.",
    "claim": "Back Solution's published claim: 7 in 10 patients stop their prescribed exercises "
             "within 2-3 days, because the exercises don't make them feel better. Its first half "
             "says only 3 in 10 patients are still exercising 2-3 days after the visit: compare "
             "with the day-3 estimate and its band. Its second half is tested by the reasons "
             "patients give for stopping.",
    "stop_reasons": "The answer a patient gave to \"why did you stop?\" (asked once by e-mail after "
                    "STOP_QUESTION_DAYS days without a check-in), by the day of the course on which "
                    "they stopped (the day after their last exercise). Shares with 95% Wilson "
                    "intervals (Wilson, JASA 1927).",
    "effect_check_ins": "Check-ins on a day in the range on which the exercise (or an exercise in "
                        "the category) was done, one set or more.",
    "effect_feeling": "Share of those check-ins on which the patient said the exercises made them "
                      "feel better, the same or worse; a check-in without an answer counts in the "
                      "cases but in none of the three.",
    "late_cancellation_rate": "Late cancellations as a share of all bookings in the range.",
    "suppressed": "A figure about patients that rests on fewer than 10 patients is not shown: it "
                  "could point to the patients, and its 95% interval would be too wide to read.",
    "funnel": "Each clinic's share against how many cases it rests on, with the network's share "
              "and its 95% and 99.8% control limits: the range a clinic of that size would fall in "
              "by chance alone if it were like the network (exact binomial limits, Spiegelhalter, "
              "Stat Med 2005;24:1185-202). A clinic outside the 99.8% limits is worth a look; "
              "ranking clinics by their raw shares would mostly rank their sizes.",
    "overview_period": "This period is the last 28 days, today included; the last period is the 28 "
                       "days before it. The small chart beside each figure shows the last six "
                       "periods, oldest first.",
    "effect_pain_change": "Mean change in pain (NPRS) from the same patient's previous check-in: "
                          "negative means less pain. Cases: the check-ins that had a previous one.",
    "text_delivered": "Of the text reminders sent for visits in the range whose fate the provider has "
                      "reported (delivered, undelivered or failed), the share delivered to the phone.",
    "text_confirmed": "Of the visits in the range reminded by text, the share the patient confirmed "
                      "by answering C.",
    "no_show_by_reminder": "No-shows as a share of the visits in the range with a recorded outcome "
                           "(arrived, seen or no-show), for visits reminded by text (whether or not also "
                           "by e-mail) and for visits reminded by e-mail only. Patients chose texts "
                           "themselves, so a difference is an association, not the effect of texting.",
}


def change_notice_hours() -> int:
    """Late cancellation: cancelled once the online change window had closed, that is when
    scheduling.rules.change_window_open(start_at, cancelled_at, CHANGE_NOTICE_HOURS) is false
    (less than the notice before the start; exactly the notice is not late). The per-day
    figures keep the count under the setting they were written with: after changing it,
    `flask reports rebuild` counts the past under the new one."""
    return current_app.config["CHANGE_NOTICE_HOURS"]


class Verdict(StrEnum):
    IMPROVED = "improved"
    UNCHANGED = "unchanged"
    WORSE = "worse"
    NO_FOLLOW_UP = "no_follow_up"


@dataclass(frozen=True)
class Outcome:
    """One episode's outcome on one scale: its intake score, its latest score after intake
    (None when there is none yet) and the verdict of the rule."""

    intake: float
    latest: float | None
    verdict: Verdict

    @property
    def points(self) -> float | None:
        """Improvement in points: positive when the score fell."""
        return None if self.latest is None else self.intake - self.latest


def outcome_verdict(intake: float, latest: float, mcid_points: float) -> Verdict:
    """THE outcome rule (module docstring): improved on a fall of >= 30% of the intake score
    and >= the MCID; worse on a rise of >= the MCID; otherwise unchanged. Scores compared in
    whole tenths (the ODI has one decimal)."""
    first, last, mcid = round(intake * 10), round(latest * 10), round(mcid_points * 10)
    fall = first - last
    if fall >= mcid and fall * 10 >= first * IMPROVEMENT_TENTHS:
        return Verdict.IMPROVED
    if -fall >= mcid:
        return Verdict.WORSE
    return Verdict.UNCHANGED


def episode_outcome(scores: Sequence[float], mcid_points: float) -> Outcome | None:
    """An episode's scores in time order (intake first; the last is the latest or the discharge
    score): its outcome, NO_FOLLOW_UP with one score, None with none."""
    if not scores:
        return None
    if len(scores) == 1:
        return Outcome(scores[0], None, Verdict.NO_FOLLOW_UP)
    return Outcome(scores[0], scores[-1], outcome_verdict(scores[0], scores[-1], mcid_points))


def mcid_points(scale: str) -> float:
    """The absolute floor of the rule for ``scale`` ('nprs' or 'odi'), from the settings."""
    return current_app.config["NPRS_MCID_POINTS" if scale == "nprs" else "ODI_MCID_POINTS"]


# --- Adherence ---------------------------------------------------------------------------------
# The unit of every adherence figure is a course: one patient from their first prescription.
# Changing the programme continues the course. (Episodes of care will replace "patient and first
# prescription"; reporting/queries/courses.py:courses is the one place that says which rows
# make a course.)
#
# A check-in can be made for today or yesterday (adherence.service.DAYS_BACK), so day N on the
# clinic's calendar is closed, and counted, only once day N + 1 has ended there.
CHECK_IN_DAYS_BACK = 1
# A patient has stopped once this many closed days have passed with no exercise after their
# last exercise day. A permissible gap, as persistence studies define discontinuation (Cramer et
# al., Value Health 2008;11:44-7; Andrade et al., Pharmacoepidemiol Drug Saf 2006;15:565-74):
# a day missed is not a stop.
STOP_QUIET_DAYS = 3


def last_closed_day(today: date) -> date:
    """The latest calendar day whose check-ins are final on ``today`` (the clinic's date): day N
    is known once day N + 1 has ended."""
    return today - timedelta(days=CHECK_IN_DAYS_BACK + 1)


class CourseState(StrEnum):
    AWAITING = "awaiting"  # no check-in yet, prescribed too recently to say it never started
    NEVER_STARTED = "never_started"  # no check-in at all, STOP_QUIET_DAYS closed days on
    STOPPED = "stopped"  # an event at ``time``
    FOLLOWED = "followed"  # censored at ``time``


@dataclass(frozen=True)
class CourseFollowUp:
    state: CourseState
    time: int | None  # for the curve: the day of stopping, or the last day known still going


def course_follow_up(started_on: date, exercised_days: list[date], checked_in: bool, today: date) -> CourseFollowUp:
    """Where a course stands for the Kaplan-Meier curve, on ``today`` (the clinic's date).

    Days count from the prescription (day 0). Still exercising on day N means an exercise
    check-in on day N or later, so a course stops on the day after its last exercise (L + 1; 0
    when it never exercised). That is known when the STOP_QUIET_DAYS days after L are all
    closed; until then the course is censored at min(L, last closed day): known to be going
    then. A course with no check-in at all is never started (not a stop), or awaiting while
    those days are still open. A course censored before day 0 adds nothing to the curve."""
    followed_to = (last_closed_day(today) - started_on).days
    if not checked_in:
        state = CourseState.NEVER_STARTED if followed_to >= STOP_QUIET_DAYS - 1 else CourseState.AWAITING
        return CourseFollowUp(state, None)
    last = max(((day - started_on).days for day in exercised_days if day >= started_on), default=-1)
    if last + STOP_QUIET_DAYS <= followed_to:
        return CourseFollowUp(CourseState.STOPPED, last + 1)
    return CourseFollowUp(CourseState.FOLLOWED, min(last, followed_to))
