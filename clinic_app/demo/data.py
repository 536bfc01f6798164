"""Synthetic demo network: real US cities and ZIP codes, invented street addresses and phones.

The first clinic is the one the demo manager and practitioner work at.
"""

# (name, street, city, state, zip, status)
DEMO_CLINICS = [
    ("Back Solution Manhattan", "350 W 31st Street", "New York", "NY", "10001", "open"),
    ("Back Solution Back Bay", "120 Boylston Street", "Boston", "MA", "02116", "open"),
    ("Back Solution Center City", "1700 Market Street", "Philadelphia", "PA", "19103", "open"),
    ("Back Solution Downtown DC", "1100 15th Street NW", "Washington", "DC", "20005", "open"),
    ("Back Solution Midtown Atlanta", "75 Peachtree Street", "Atlanta", "GA", "30303", "open"),
    ("Back Solution Brickell", "200 SE 1st Street", "Miami", "FL", "33130", "open"),
    ("Back Solution Orlando", "50 N Orange Avenue", "Orlando", "FL", "32801", "open"),
    ("Back Solution Uptown Charlotte", "400 S Tryon Street", "Charlotte", "NC", "28202", "open"),
    ("Back Solution Raleigh", "150 Fayetteville Street", "Raleigh", "NC", "27601", "open"),
    ("Back Solution Pittsburgh", "600 Grant Street", "Pittsburgh", "PA", "15222", "open"),
    ("Back Solution Columbus", "65 E State Street", "Columbus", "OH", "43215", "open"),
    ("Back Solution Detroit", "500 Woodward Avenue", "Detroit", "MI", "48226", "open"),
    ("Back Solution Tampa", "201 N Franklin Street", "Tampa", "FL", "33602", "open"),
    ("Back Solution Baltimore", "100 N Charles Street", "Baltimore", "MD", "21201", "open"),
    ("Back Solution Loop", "100 N Michigan Avenue", "Chicago", "IL", "60601", "open"),
    ("Back Solution Houston", "800 Main Street", "Houston", "TX", "77002", "open"),
    ("Back Solution Dallas", "1900 Pacific Avenue", "Dallas", "TX", "75201", "open"),
    ("Back Solution Austin", "300 Congress Avenue", "Austin", "TX", "78701", "open"),
    ("Back Solution San Antonio", "100 E Houston Street", "San Antonio", "TX", "78205", "open"),
    ("Back Solution Minneapolis", "80 S 8th Street", "Minneapolis", "MN", "55402", "open"),
    ("Back Solution Nashville", "150 4th Avenue N", "Nashville", "TN", "37219", "open"),
    ("Back Solution Kansas City", "1000 Walnut Street", "Kansas City", "MO", "64106", "open"),
    ("Back Solution New Orleans", "701 Poydras Street", "New Orleans", "LA", "70139", "open"),
    ("Back Solution Milwaukee", "411 E Wisconsin Avenue", "Milwaukee", "WI", "53202", "open"),
    ("Back Solution Denver", "1600 Stout Street", "Denver", "CO", "80202", "open"),
    ("Back Solution Salt Lake City", "50 W Broadway", "Salt Lake City", "UT", "84101", "open"),
    ("Back Solution Albuquerque", "500 Marquette Avenue NW", "Albuquerque", "NM", "87102", "open"),
    ("Back Solution Boise", "800 W Main Street", "Boise", "ID", "83702", "open"),
    ("Back Solution Phoenix", "2 N Central Avenue", "Phoenix", "AZ", "85004", "open"),
    ("Back Solution Tucson", "1 S Church Avenue", "Tucson", "AZ", "85701", "open"),
    ("Back Solution Scottsdale", "7000 E Shea Boulevard", "Scottsdale", "AZ", "85254", "open"),
    ("Back Solution Los Angeles", "350 S Grand Avenue", "Los Angeles", "CA", "90071", "open"),
    ("Back Solution San Diego", "600 B Street", "San Diego", "CA", "92101", "open"),
    ("Back Solution SoMa", "101 8th Street", "San Francisco", "CA", "94103", "open"),
    ("Back Solution Seattle", "1201 3rd Avenue", "Seattle", "WA", "98101", "open"),
    ("Back Solution Portland", "1000 SW Broadway", "Portland", "OR", "97205", "open"),
    ("Back Solution Las Vegas", "300 S 4th Street", "Las Vegas", "NV", "89101", "open"),
    ("Back Solution Honolulu", "1001 Bishop Street", "Honolulu", "HI", "96813", "open"),
    ("Back Solution Indianapolis", "111 Monument Circle", "Indianapolis", "IN", "46204", "coming_soon"),
    ("Back Solution Cleveland", "200 Public Square", "Cleveland", "OH", "44114", "coming_soon"),
    ("Back Solution Omaha", "1601 Dodge Street", "Omaha", "NE", "68102", "coming_soon"),
    ("Back Solution St. Louis", "211 N Broadway", "St. Louis", "MO", "63102", "planned"),
    ("Back Solution Anchorage", "188 W Northern Lights Boulevard", "Anchorage", "AK", "99503", "planned"),
    ("Back Solution Richmond", "901 E Byrd Street", "Richmond", "VA", "23219", "planned"),
]

HOLIDAYS = [
    ("2026-11-26", "Thanksgiving"),
    ("2026-12-25", "Christmas Day"),
    ("2027-01-01", "New Year's Day"),
    ("2027-05-31", "Memorial Day"),
    ("2027-07-05", "Independence Day (observed)"),
]

# The two-factor secret of the demo head office and admin accounts (synthetic, published in the
# README): add it to an authenticator app, or run `flask users totp-code EMAIL` for a code.
DEMO_TOTP_SECRET = "BACKSOLUTIONDEMO2FASECRETFORDEMO"  # noqa: S105 - public on purpose
DEMO_TWO_FACTOR_EMAILS = ("admin@example.com", "headoffice@example.com")

# (e-mail, full name, role, works at the first clinic)
DEMO_USERS = [
    ("admin@example.com", "Avery Admin", "admin", False),
    ("headoffice@example.com", "Harper Head-Office", "head_office", False),
    ("manager@example.com", "Morgan Manager", "clinic_manager", True),
    ("practitioner@example.com", "Dr. Parker Practitioner, DPT", "practitioner", True),
    ("patient@example.com", "Pat Patient", "patient", False),
]

# (slug, name, minutes, buffer after, new patients only, description)
DEMO_SERVICES = [
    ("initial-assessment", "Initial assessment", 60, 15, True,
     "A full assessment of your back or neck, a first treatment and a home exercise plan."),
    ("follow-up", "Follow-up treatment", 30, 0, False,
     "Treatment and a review of your home exercises."),
]

# Invented practitioners: (first name, last name, credentials, specialities)
DEMO_PRACTITIONER_NAMES = [
    ("Jordan", "Reyes", "DPT", "sports injuries, running"),
    ("Casey", "Nguyen", "DC", "chronic pain, posture"),
    ("Riley", "Okafor", "DPT, OCS", "sciatica, desk workers"),
    ("Quinn", "Larsen", "DPT", "pregnancy-related back pain"),
    ("Taylor", "Moreau", "DC", "neck pain, headaches"),
    ("Rowan", "Patel", "DPT", "older adults, balance"),
    ("Emerson", "Kowalski", "DPT, CSCS", "lifting injuries, return to sport"),
    ("Skyler", "Haddad", "DC", "chronic low back pain"),
]
