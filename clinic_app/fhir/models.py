"""Partner systems allowed to read patient data over FHIR (a referrer's EHR, an insurer), the
short-lived access tokens they were given, and the patients each may see."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, CheckConstraint, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from clinic_app.clock import UTCDateTime, utcnow
from clinic_app.extensions import Model


class FhirClient(Model):
    """A partner registered by an admin (``flask fhir clients add``) with its public keys (a
    JWK Set: it signs its token requests with the private half, which never leaves it) and the
    SMART scopes it may be given. Revoking keeps the row, so the audit trail still names it."""

    __tablename__ = "fhir_clients"

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    jwks: Mapped[dict] = mapped_column(JSON)
    scope: Mapped[str] = mapped_column(String(1000))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    @property
    def active(self) -> bool:
        return self.revoked_at is None

    @property
    def audit_role(self) -> str:
        """How the audit trail names this client as the actor (it has no user account)."""
        return f"fhir_client:{self.id}"

    # Authlib's ClientMixin: a backend service authenticates only with a signed JWT assertion
    # (private_key_jwt) and uses only the client credentials grant.
    def get_client_id(self) -> str:
        return self.client_id

    def get_default_redirect_uri(self) -> None:
        return None

    def get_allowed_scope(self, scope: str) -> str:
        allowed = set(self.scope.split())
        return " ".join(s for s in (scope or "").split() if s in allowed)

    def check_redirect_uri(self, redirect_uri: str) -> bool:
        return False

    def check_client_secret(self, client_secret: str) -> bool:
        return False

    def check_endpoint_auth_method(self, method: str, endpoint: str) -> bool:
        return self.active and endpoint == "token" and method == "client_assertion_jwt"

    def check_response_type(self, response_type: str) -> bool:
        return False

    def check_grant_type(self, grant_type: str) -> bool:
        return self.active and grant_type == "client_credentials"


class FhirAccessToken(Model):
    """An access token, stored only as its sha256; ``assertion_jti`` is the id of the signed
    assertion it was given for, which may not be used twice."""

    __tablename__ = "fhir_access_tokens"
    __table_args__ = (
        UniqueConstraint("client_id", "assertion_jti"),
        CheckConstraint("expires_at > issued_at", name="expires_after_issue"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("fhir_clients.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    scope: Mapped[str] = mapped_column(String(1000))
    assertion_jti: Mapped[str] = mapped_column(String(255))
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)

    client: Mapped[FhirClient] = relationship()


class FhirClientPatient(Model):
    """A patient whose record a client may read: one it booked through FHIR, or one an admin
    shared with it on the patient's say-so (``flask fhir clients share``)."""

    __tablename__ = "fhir_client_patients"
    __table_args__ = (CheckConstraint("reason IN ('booked', 'shared')", name="reason_known"),)

    client_id: Mapped[int] = mapped_column(ForeignKey("fhir_clients.id", ondelete="CASCADE"), primary_key=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id", ondelete="CASCADE"), primary_key=True,
                                            index=True)
    reason: Mapped[str] = mapped_column(String(10))
    since: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
