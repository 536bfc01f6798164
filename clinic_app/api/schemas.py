"""The API's shapes. The same schemas validate requests and generate /api/v1/openapi.json."""

from __future__ import annotations

import marshmallow as ma
from marshmallow import fields, validate, validates_schema

from clinic_app.notifications.links import public_url
from clinic_app.text import LINE_SEPARATORS, clean_text, one_line

# Text is cleaned (control characters dropped, spaces stripped) before its length is checked,
# so the document says what the cleaning leaves: at least one visible character. (U+0085 is
# a space to Python's strip but not to JSON Schema's \s.)
VISIBLE_TEXT = validate.Regexp(r"^[\s\S]*[^\s\x00-\x1f\x7f\x85]", error="This can't be blank.")


class CleanString(fields.String):
    """Every text a request carries, as SiteForm cleans a form's: control characters (PostgreSQL
    refuses NUL) and surrounding spaces go. Text is one line unless ``multiline=True``: a line
    break of any kind (CR, LF, VT, FF, NEL, U+2028, U+2029) is refused, naming the field, for it
    could reach an e-mail header; a tab becomes a space."""

    default_error_messages = {"line_break": "Use one line: line breaks are not allowed here."}

    def __init__(self, *args, multiline: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.multiline = multiline

    def _deserialize(self, value, attr, data, **kwargs):
        text = super()._deserialize(value, attr, data, **kwargs)
        if self.multiline:
            return clean_text(text).strip()
        if LINE_SEPARATORS.search(text):
            raise self.make_error("line_break")
        return one_line(text).strip()


class CleanEmail(CleanString, fields.Email):
    pass


class ApiIndexSchema(ma.Schema):
    name = fields.String(metadata={"example": "Back Solution API"})
    version = fields.String(metadata={"example": "v1"})
    openapi = fields.String(metadata={"description": "Where this OpenAPI document is served"})


class AddressSchema(ma.Schema):
    line1 = fields.String(attribute="address_line1")
    line2 = fields.String(attribute="address_line2")
    city = fields.String()
    state = fields.String(metadata={"description": "Two-letter USPS code"})
    zip = fields.String(attribute="zip_code")


_ADDRESS = AddressSchema()  # one instance: building a schema costs more than dumping with it


class OpeningHoursSchema(ma.Schema):
    weekday = fields.Integer(metadata={"description": "0 = Monday ... 6 = Sunday"})
    opens = fields.Function(lambda hours: hours.opens.strftime("%H:%M"), metadata={"example": "08:00"})
    closes = fields.Function(lambda hours: hours.closes.strftime("%H:%M"), metadata={"example": "18:00"})


class ClinicSchema(ma.Schema):
    id = fields.Integer()
    slug = fields.String()
    name = fields.String()
    status = fields.String(metadata={"enum": ["planned", "coming_soon", "open", "temporarily_closed", "closed"]})
    address = fields.Function(lambda clinic: _ADDRESS.dump(clinic), metadata={"type": "object"})
    latitude = fields.Float()
    longitude = fields.Float()
    timezone = fields.String(metadata={"description": "IANA time zone; opening hours are in this zone"})
    phone = fields.String()
    opening_hours = fields.List(fields.Nested(OpeningHoursSchema))
    accepting_new_patients = fields.Boolean()
    url = fields.Function(lambda clinic: public_url("clinics.show", slug=clinic.slug))


class ClinicListSchema(ma.Schema):
    clinics = fields.List(fields.Nested(ClinicSchema))


class NearestQuerySchema(ma.Schema):
    zip = CleanString(validate=validate.Length(max=10), metadata={"example": "85004"})
    q = CleanString(validate=validate.Length(min=1, max=200), metadata={"example": "Phoenix, AZ"})
    lat = fields.Float(validate=validate.Range(-90, 90), metadata={"example": 33.45})
    lng = fields.Float(validate=validate.Range(-180, 180), metadata={"example": -112.07})
    limit = fields.Integer(load_default=5, validate=validate.Range(1, 50))
    radius_miles = fields.Float(validate=validate.Range(min=0, max=3000, min_inclusive=False))

    @validates_schema
    def exactly_one_place(self, data, **kwargs):
        given = [name for name in ("zip", "q") if name in data] + (["lat/lng"] if {"lat", "lng"} & data.keys() else [])
        if len(given) != 1:
            raise ma.ValidationError("Give exactly one of zip, q, or lat with lng.")
        if given == ["lat/lng"] and not {"lat", "lng"} <= data.keys():
            raise ma.ValidationError("Give both lat and lng.")


class OriginSchema(ma.Schema):
    latitude = fields.Float()
    longitude = fields.Float()
    label = fields.String()


class NearbyClinicSchema(ma.Schema):
    clinic = fields.Nested(ClinicSchema)
    distance_miles = fields.Function(lambda nearby: round(nearby.distance_miles, 2))


class NearestResultSchema(ma.Schema):
    origin = fields.Nested(OriginSchema)
    results = fields.List(fields.Nested(NearbyClinicSchema), metadata={"description": "Open clinics, nearest first"})
    coming_soon = fields.List(
        fields.Nested(NearbyClinicSchema), metadata={"description": "Clinics opening soon within the service radius"}
    )
