"""The practitioner's day (issue 18): a checked-in or seen visit offers "Write note" on the
schedule; a booked one does not yet."""

import re

import pytest
from sqlalchemy import select

from clinic_app.extensions import db
from clinic_app.scheduling.models import BookingStatus
from tests.factories import make_booking
from tests.test_practice_schedule import PAST_MONDAY, alice, clinic, local_day, schedule_url, service, signed_in  # noqa: F401


@pytest.mark.parametrize(("status", "offered"), [(BookingStatus.BOOKED, False), (BookingStatus.ARRIVED, True),
                                                 (BookingStatus.COMPLETED, True), (BookingStatus.NO_SHOW, False)])
def test_write_note_is_offered_on_each_checked_in_or_seen_visit(client, clinic, service, alice, status,  # noqa: F811
                                                               offered):
    visit = make_booking(clinic, service, alice, now=PAST_MONDAY)
    visit.status = status
    signed_in(client, alice.user)
    page = client.get(schedule_url(clinic, local_day(visit))).text
    link = re.search(rf'href="(/practice/visits/{visit.id}/note)">Write note', page)
    assert bool(link) == offered
    if offered:
        assert client.get(link.group(1)).status_code == 200


def test_note_times_are_shown_on_the_clinics_clock_not_utc(client):
    from zoneinfo import ZoneInfo

    from clinic_app.clock import utcnow
    from clinic_app.treatments.models import TreatmentNote
    from tests.test_practice_records import NOTE

    visit = make_booking()
    visit.status = BookingStatus.COMPLETED
    signed_in(client, visit.practitioner.user)
    url = f"/practice/visits/{visit.id}/note"
    for action in ("save", "sign"):
        assert client.submit(url, {**NOTE, action: "y"}).status_code in (302, 303)
    note = db.session.scalar(select(TreatmentNote))
    local = note.signed_at.astimezone(ZoneInfo(visit.clinic.timezone))
    assert local.utcoffset() != utcnow().utcoffset()  # the clinic is not on UTC: the test can tell
    page = client.get(url).text
    assert f"on {local.strftime('%b %-d, %Y at %-I:%M %p %Z')}." in page and "UTC" not in page
