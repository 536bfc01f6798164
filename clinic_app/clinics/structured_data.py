"""schema.org JSON-LD for a clinic page, so search engines show address, map pin and hours."""

from __future__ import annotations

from clinic_app.clinics.models import Clinic
from clinic_app.clinics.rules import WEEKDAY_NAMES


def medical_clinic_json_ld(clinic: Clinic, url: str) -> dict:
    data = {
        "@context": "https://schema.org",
        "@type": "MedicalClinic",
        "name": clinic.name,
        "url": url,
        "address": {
            "@type": "PostalAddress",
            "streetAddress": ", ".join(part for part in (clinic.address_line1, clinic.address_line2) if part),
            "addressLocality": clinic.city,
            "addressRegion": clinic.state,
            "postalCode": clinic.zip_code,
            "addressCountry": "US",
        },
        "geo": {"@type": "GeoCoordinates", "latitude": clinic.latitude, "longitude": clinic.longitude},
        "openingHoursSpecification": [
            {
                "@type": "OpeningHoursSpecification",
                "dayOfWeek": f"https://schema.org/{WEEKDAY_NAMES[hours.weekday]}",
                "opens": hours.opens.strftime("%H:%M"),
                "closes": hours.closes.strftime("%H:%M"),
            }
            for hours in clinic.opening_hours
        ],
        "medicalSpecialty": "Physiotherapy",
    }
    if clinic.phone:
        data["telephone"] = clinic.phone
    return data
