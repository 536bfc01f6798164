"""`flask fhir clients ...`: an admin registers a partner with its public keys, lists, shares a
patient with it, and revokes it; a private key or an unknown scope is refused."""

from __future__ import annotations

import json
from datetime import date

from clinic_app.fhir.partners import find_client, shared_patient_ids
from tests.factories import make_booking
from tests.fhir_support import new_key, public_jwks


def test_an_admin_registers_shares_and_revokes_a_partner(runner, tmp_path):
    keys = tmp_path / "partner.jwks.json"
    keys.write_text(json.dumps(public_jwks(new_key())))
    added = runner.invoke(args=["fhir", "clients", "add", "--name", "Hudson Spine EHR", "--jwks", str(keys),
                                "--scope", "system/Patient.read system/Observation.read"])
    assert added.exit_code == 0, added.output
    client_id = added.output.split("client_id: ")[1].split()[0]
    assert "http://localhost/fhir/R4/auth/token" in added.output
    booking = make_booking(email="dana@example.com", date_of_birth=date(1980, 1, 1))
    shared = runner.invoke(args=["fhir", "clients", "share", client_id, "--email", "Dana@example.com",
                                 "--date-of-birth", "1980-01-01"])
    assert shared.exit_code == 0, shared.output
    assert shared_patient_ids(find_client(client_id)) == {booking.patient_id}
    assert runner.invoke(args=["fhir", "clients", "revoke", client_id]).exit_code == 0
    listed = runner.invoke(args=["fhir", "clients", "list"]).output
    assert "Hudson Spine EHR" in listed and "revoked" in listed


def test_a_private_key_or_an_unknown_scope_is_refused(runner, tmp_path):
    private = tmp_path / "private.json"
    private.write_text(json.dumps({"keys": [new_key().as_dict(private=True)]}))
    refused = runner.invoke(args=["fhir", "clients", "add", "--name", "Leaky", "--jwks", str(private),
                                  "--scope", "system/Patient.read"])
    assert refused.exit_code != 0 and "public keys only" in refused.output
    public = tmp_path / "public.json"
    public.write_text(json.dumps(public_jwks(new_key())))
    refused = runner.invoke(args=["fhir", "clients", "add", "--name", "Greedy", "--jwks", str(public),
                                  "--scope", "system/*.*"])
    assert refused.exit_code != 0 and "Unknown scopes" in refused.output
