"""What every figure of network reporting means, in one place: the text shown beside it on the
page (DEFINITIONS, with its published reference where there is one) and the constants and
settings that decide it. The queries (clinic_app/reporting/queries/) compute the figures by
these definitions; tests compare them with the pure rules (adherence.rules, scheduling.rules).

- Late cancellation: cancelled when the online change window had closed, i.e. less than
  CHANGE_NOTICE_HOURS (a setting, 24 by default) before the start: the window is
  scheduling.rules.change_window_open, the same predicate that refuses a late change online.
- Retention (day 3, 7, 14): RETENTION_DAYS, against the published claim CLAIMED_DAY_3_SHARE.
- Outcomes improved: a fall of the minimal clinically important difference in points
  (NPRS_MCID_POINTS, ODI_MCID_POINTS: settings, 2 and 10 by default) or by 30% of the first
  score (IMPROVEMENT_TENTHS).
"""

from __future__ import annotations

from flask import current_app

# "Only 3 in 10 still exercising 2-3 days after the visit": the company's published claim,
# compared with the day-3 retention.
CLAIMED_DAY_3_SHARE = 0.3
# Retention is counted on these days after the prescription (the prescription day is day 0).
RETENTION_DAYS = (3, 7, 14)
# An outcome improved when it fell by its MCID in points or by 30% of the first score, compared
# as fall x 10 >= first x 3 so no rounding can tip it.
IMPROVEMENT_TENTHS = 3
# Where a booking came from (Booking.source): the patient themself, on the site or through the
# public API, or staff at the desk (a walk-in included). Anything else (demo data, an import)
# counts as other.
ONLINE_SOURCES = ("online", "api")
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
    "nprs_patients": "Patients with two or more pain scores (NPRS 0-10, the pain before treatment "
                     "in each visit's note) at visits in the range. The network counts each patient "
                     "once, over all their clinics.",
    "nprs_mean_improvement": "First minus latest pain score in the range, averaged over those "
                             "patients: positive means less pain.",
    "nprs_improved": "Share of those patients whose pain fell by 2 points or more, or by 30% or more "
                     "of the first score (Farrar et al., Pain 2001;94:149-58; Ostelo et al., Spine "
                     "2008;33:90-4).",
    "odi_patients": "Patients with two or more scored Oswestry Disability Index questionnaires "
                    "(0-100%) recorded at visits in the range.",
    "odi_mean_improvement": "First minus latest ODI score in the range, in points, averaged over "
                            "those patients: positive means less disability.",
    "odi_improved": "Share of those patients whose ODI fell by 10 points or more, or by 30% or more "
                    "of the first score (Ostelo et al., Spine 2008;33:90-4).",
    "programmes": "Home exercise programmes prescribed on a day in the range. A programme belongs "
                  "to the clinic of the patient's latest visit (not cancelled) that started at or "
                  "before it was prescribed.",
    "retention": "Of the programmes prescribed at least N days before today (UTC) (the cases), the share "
                 "with an exercise check-in on day N after the prescription or later (the "
                 "prescription day is day 0). A programme never started counts as stopped.",
    "claim": "Back Solution's published claim: only 3 in 10 patients are still exercising 2-3 days "
             "after the visit. Compare with the day-3 share.",
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
}


def change_notice_hours() -> int:
    """Late cancellation: cancelled once the online change window had closed, that is when
    scheduling.rules.change_window_open(start_at, cancelled_at, CHANGE_NOTICE_HOURS) is false
    (less than the notice before the start; exactly the notice is not late). The per-day
    figures keep the count under the setting they were written with: after changing it,
    `flask reports rebuild` counts the past under the new one."""
    return current_app.config["CHANGE_NOTICE_HOURS"]
