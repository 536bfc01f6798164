"""Shapes of the booking API (/api/v1/services, availability, bookings). They validate the
requests (shape and format only: whether a time is free or a service offered is the booking
service's to say) and generate the OpenAPI document."""

from __future__ import annotations

from datetime import date

import marshmallow as ma
from marshmallow import fields, validate

from clinic_app import clock
from clinic_app.api.schemas import VISIBLE_TEXT, CleanEmail, CleanString
from clinic_app.booking.forms import OLDEST_AGE_YEARS, PAIN_AREAS
from clinic_app.errors import ErrorDetailSchema
from clinic_app.patients.rules import TEXT_CONSENT_WORDING

DATABASE_ID = validate.Range(min=1, max=2**31 - 1)  # larger ids overflow PostgreSQL's integer
# Length as well as the pattern, so that the OpenAPI document states maxLength.
SLUG = [
    validate.Length(1, 80),
    validate.Regexp(r"^[\w.-]{1,80}$", error="Give the service's short name, like follow-up."),
]
TIME_WITH_OFFSET = "ISO 8601 with its UTC offset, as the availability lists it"
class BookingTime(fields.AwareDateTime):
    default_error_messages = {
        "invalid": "Give the time in ISO 8601 with its UTC offset, like 2026-11-24T09:30:00-05:00.",
        "invalid_awareness": "Give the time with its UTC offset, like 2026-11-24T09:30:00-05:00.",
    }


class ServiceSchema(ma.Schema):
    slug = fields.String(metadata={"example": "follow-up"})
    name = fields.String()
    duration_minutes = fields.Integer()
    new_patients_only = fields.Boolean(metadata={"description": "Only for patients new to Back Solution"})


class ServiceListSchema(ma.Schema):
    services = fields.List(
        fields.Nested(ServiceSchema), metadata={"description": "Active services, new-patient ones first, then by name"}
    )


class AvailabilityQuerySchema(ma.Schema):
    service = CleanString(required=True, validate=SLUG, metadata={"example": "follow-up"})
    start = fields.Date(
        validate=validate.Range(min=date(2000, 1, 1), max=date(2100, 12, 31)),
        metadata={"description": "First day, on the clinic's calendar (default: today there)"},
    )
    days = fields.Integer(load_default=7, validate=validate.Range(1, 31))
    practitioner_id = fields.Integer(validate=DATABASE_ID, metadata={"description": "Only this practitioner's times"})


class SlotSchema(ma.Schema):
    start = fields.DateTime(metadata={"description": "On the clinic's clock, with its UTC offset that day"})
    end = fields.DateTime()
    practitioner_id = fields.Integer()


class AvailabilitySchema(ma.Schema):
    clinic_id = fields.Integer()
    timezone = fields.String(metadata={"example": "America/Phoenix"})
    slots = fields.List(
        fields.Nested(SlotSchema),
        metadata={"description": "Free times, earliest first; one entry per practitioner free at that time"},
    )


class PatientSchema(ma.Schema):
    first_name = CleanString(required=True, validate=[validate.Length(1, 80), VISIBLE_TEXT])
    last_name = CleanString(required=True, validate=[validate.Length(1, 80), VISIBLE_TEXT])
    email = CleanEmail(required=True, validate=validate.Length(max=254),
                       metadata={"description": "The confirmation and the manage link are sent here"})
    phone = CleanString(
        required=True,
        validate=[
            validate.Length(max=20),
            validate.Regexp(r"^\+?[0-9 ().-]{7,19}$", error="Give a phone number like (555) 010-0199."),
        ],
    )
    date_of_birth = fields.Date(required=True, metadata={"example": "1980-04-25"})

    @ma.validates("date_of_birth")
    def plausible_birth_date(self, value: date, **kwargs):
        today = clock.utcnow().date()  # a day either way changes nothing here
        if value > today:
            raise ma.ValidationError("A date of birth can't be in the future.")
        if today.year - value.year > OLDEST_AGE_YEARS:
            raise ma.ValidationError("Check the year of the date of birth.")


class NewBookingSchema(ma.Schema):
    clinic_id = fields.Integer(required=True, validate=DATABASE_ID)
    service = CleanString(required=True, validate=SLUG, metadata={"example": "follow-up"})
    start = BookingTime(required=True, metadata={"description": TIME_WITH_OFFSET})
    practitioner_id = fields.Integer(
        allow_none=True, validate=DATABASE_ID,
        metadata={"description": "Leave out (or null) for the first available practitioner"},
    )
    patient = fields.Nested(PatientSchema, required=True)
    new_patient = fields.Boolean(
        required=True, metadata={"description": "True when the patient has never been to a Back Solution clinic"}
    )
    pain_area = CleanString(
        load_default="", validate=validate.OneOf([choice.value for choice in PAIN_AREAS]),
        metadata={"description": "Where it hurts, for the practitioner (optional)"},
    )
    text_reminders = fields.Boolean(
        load_default=False,
        metadata={"description": "True when the patient agrees to text reminders at patient.phone, in these words: "
                                 f"\"{TEXT_CONSENT_WORDING}\" The number must be one a carrier can deliver to "
                                 "(422 naming patient.phone otherwise)."},
    )
    consent = fields.Boolean(
        required=True, validate=validate.Equal(True, error="We need the patient's agreement to store their health "
                                                            "information before we can book."),
        metadata={"description": "Must be true: the patient agrees that Back Solution stores their health "
                                 "information to arrange their care"},
    )


class CancelSchema(ma.Schema):
    reason = CleanString(
        required=True, multiline=True,
        validate=[validate.Length(1, 300), VISIBLE_TEXT],
        metadata={"example": "The time no longer suits me"},
    )


class RescheduleSchema(ma.Schema):
    start = BookingTime(required=True, metadata={"description": TIME_WITH_OFFSET})


class BookingSchema(ma.Schema):
    id = fields.Integer()
    reference = fields.String(metadata={"description": "Short code to quote on the phone"})
    status = fields.String(metadata={"enum": ["booked", "arrived", "completed", "no_show", "cancelled"]})
    start = fields.DateTime(metadata={"description": "On the clinic's clock, with its UTC offset that day"})
    end = fields.DateTime()
    clinic_id = fields.Integer()
    practitioner_id = fields.Integer()
    service = fields.String(metadata={"description": "The service's short name"})
    can_change_online = fields.Boolean(
        metadata={"description": "False once the visit is less than CHANGE_NOTICE_HOURS away, or cancelled"}
    )
    manage_token = fields.String(metadata={"description": "Secret: anyone holding it can cancel or move the visit"})
    manage_url = fields.String(metadata={"description": "The patient's own page for the visit"})
    ics_url = fields.String(metadata={"description": "Calendar file (iCalendar)"})


class BookingEnvelopeSchema(ma.Schema):
    booking = fields.Nested(BookingSchema)


class SlotUnavailableDetailSchema(ErrorDetailSchema):
    next_slots = fields.List(fields.Nested(SlotSchema), metadata={"description": "The next free times"})


class SlotUnavailableSchema(ma.Schema):
    error = fields.Nested(SlotUnavailableDetailSchema, required=True)
