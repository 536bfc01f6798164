"""``flask fhir clients ...``: an admin registers a partner system (its name, its public JWK
Set, the scopes it may ask for), lists and revokes partners, and shares a patient's record
with one (on the patient's say-so)."""

from __future__ import annotations

import json
from datetime import date

import click
from flask.cli import with_appcontext
from sqlalchemy import select

from clinic_app import clock
from clinic_app.errors import ValidationFailed
from clinic_app.extensions import db
from clinic_app.fhir.auth import token_url
from clinic_app.fhir.models import FhirClient
from clinic_app.fhir.partners import find_client, list_clients, register_client, revoke_client, share_patient
from clinic_app.patients.models import Patient


@click.group()
def fhir():
    """The FHIR API's partner systems."""


@fhir.group()
def clients():
    """Register, list, revoke partner clients; share a patient with one."""


@clients.command("add")
@click.option("--name", required=True, help="Who the partner is, e.g. 'Hudson Spine EHR'.")
@click.option("--jwks", "jwks_file", required=True, type=click.File("r"),
              help="A file with the partner's public JWK Set ({\"keys\": [...]}).")
@click.option("--scope", "scopes", multiple=True, required=True,
              help="A scope it may ask for, e.g. system/Patient.read; repeat for several.")
@with_appcontext
def add(name: str, jwks_file, scopes: tuple[str, ...]):
    """Register a partner; prints its client id and the token endpoint."""
    try:
        jwks = json.load(jwks_file)
        client = register_client(name, jwks, [s for scope in scopes for s in scope.split()])
    except json.JSONDecodeError:
        raise click.BadParameter("not JSON", param_hint="--jwks") from None
    except ValidationFailed as error:
        db.session.rollback()
        raise click.BadParameter(error.message, param_hint=f"--{error.field}") from None
    db.session.commit()
    click.echo(f"client_id: {client.client_id}\ntoken endpoint: {token_url()}\nscopes: {client.scope}")


@clients.command("list")
@with_appcontext
def list_command():
    """Every partner, revoked ones marked."""
    for client in list_clients():
        state = f"revoked {client.revoked_at:%Y-%m-%d}" if client.revoked_at else "active"
        click.echo(f"{client.client_id}  {client.name}  [{state}]  {client.scope}")


@clients.command("revoke")
@click.argument("client_id")
@with_appcontext
def revoke(client_id: str):
    """No new tokens for this partner, and the ones it holds stop working."""
    revoke_client(_client(client_id), clock.utcnow())
    db.session.commit()
    click.echo("Revoked.")


@clients.command("share")
@click.argument("client_id")
@click.option("--email", required=True, help="The patient's e-mail.")
@click.option("--date-of-birth", required=True, type=click.DateTime(["%Y-%m-%d"]))
@with_appcontext
def share(client_id: str, email: str, date_of_birth):
    """Let the partner read this patient's record (found by e-mail and date of birth)."""
    born: date = date_of_birth.date()
    patient = db.session.scalar(select(Patient).where(Patient.email == email.strip().lower(),
                                                      Patient.date_of_birth == born))
    if patient is None:
        raise click.BadParameter("no patient has this e-mail and date of birth", param_hint="--email")
    share_patient(_client(client_id), patient.id, "shared", clock.utcnow())
    db.session.commit()
    click.echo("Shared.")


def _client(client_id: str) -> FhirClient:
    client = find_client(client_id)
    if client is None:
        raise click.BadParameter("no partner has this client id", param_hint="CLIENT_ID")
    return client
