"""Real data for the scanners, fetched from the running demo server over HTTP.

``python security/targets.py BASE_URL OUT_DIR`` books a few visits through the API (their
manage tokens become a schemathesis dictionary, so that GET/cancel/reschedule reach a real
visit rather than only 404s) and writes, for sqlmap, a valid booking request for a free time
and a valid availability query. Only the standard library: it runs before anything else.
"""

from __future__ import annotations

import json
import sys
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

TOKENS_FOR_SCHEMATHESIS = 3
SERVICE = "follow-up"


def call(base: str, path: str, body: dict | None = None) -> tuple[int, dict]:
    """One JSON request; the status and the decoded body, errors included."""
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(  # noqa: S310 - main() admits only http://127.0.0.1
        base + path, data=data, headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
            return response.status, json.load(response)
    except urllib.error.HTTPError as error:
        return error.code, json.load(error)


def free_times(base: str) -> tuple[int, list[dict]]:
    """A clinic offering SERVICE with free times on several days of the next fortnight, and
    the first free time of each such day (times on one day may overlap: booking one can take
    the next)."""
    _, listing = call(base, "/api/v1/clinics")
    for clinic in listing["clinics"]:
        if clinic["status"] != "open":
            continue
        status, answer = call(base, f"/api/v1/clinics/{clinic['id']}/availability?service={SERVICE}&days=14")
        first_of_day = {} if status != 200 else {slot["start"][:10]: slot for slot in reversed(answer["slots"])}
        if len(first_of_day) > TOKENS_FOR_SCHEMATHESIS:
            return clinic["id"], [first_of_day[day] for day in sorted(first_of_day)]
    raise SystemExit(f"no open demo clinic has free {SERVICE} times: was the demo data seeded?")


def booking_body(clinic_id: int, slot: dict, number: int) -> dict:
    """A valid request for a new patient (synthetic, one per visit: a patient may hold only a
    few future visits)."""
    return {
        "clinic_id": clinic_id, "service": SERVICE, "start": slot["start"], "practitioner_id": None,
        "patient": {"first_name": "Scan", "last_name": f"Patient{number}", "email": f"scan{number}@example.com",
                    "phone": "(555) 010-0199", "date_of_birth": "1980-04-25"},
        "new_patient": True, "pain_area": "", "consent": True,
    }


def main(base: str, out_dir: str) -> None:
    if not base.startswith("http://127.0.0.1:"):
        raise SystemExit(f"only a server on 127.0.0.1 is scanned, not {base}")
    out = Path(out_dir)
    clinic_id, slots = free_times(base)
    tokens = []
    for number, slot in enumerate(slots[:TOKENS_FOR_SCHEMATHESIS], start=1):
        status, answer = call(base, "/api/v1/bookings", booking_body(clinic_id, slot, number))
        if status != 201:
            raise SystemExit(f"booking a demo visit failed with {status}: {answer}")
        tokens.append(answer["booking"]["manage_token"])
    (out / "tokens.dict").write_text("".join(f'"{token}"\n' for token in tokens))
    later = slots[-1]  # another day, free still: sqlmap's first request books it, later ones find it taken
    (out / "booking.json").write_text(json.dumps(booking_body(clinic_id, later, 99)))
    query = urllib.parse.urlencode({"service": SERVICE, "start": later["start"][:10], "days": 7})
    (out / "availability.path").write_text(f"/api/v1/clinics/{clinic_id}/availability?{query}")
    print(f"booked {len(tokens)} visits at clinic {clinic_id}; sqlmap will post a booking for {later['start']}")


if __name__ == "__main__":
    main(sys.argv[1].rstrip("/"), sys.argv[2])
