"""``flask users create``: staff accounts from the command line."""

from __future__ import annotations

import click
from flask.cli import with_appcontext
from sqlalchemy import or_, select

from clinic_app.accounts.models import Role
from clinic_app.accounts.service import NewAccount, create_account
from clinic_app.clinics.models import Clinic
from clinic_app.errors import ValidationFailed
from clinic_app.extensions import db


@click.group()
def users():
    """Manage user accounts."""


@users.command("create")
@click.option("--email", required=True)
@click.option("--role", required=True, type=click.Choice([r.value for r in Role]))
@click.option("--clinic", "clinics", multiple=True, help="Clinic slug or id; repeat for several.")
@click.option("--name", default="", help="Full name (defaults to the e-mail's local part).")
@click.password_option(envvar="NEW_USER_PASSWORD", help="Prompted for when not given.")
@with_appcontext
def create(email: str, role: str, clinics: tuple[str, ...], name: str, password: str):
    """Create an account, e.g. flask users create --email a@b.example --role practitioner --clinic manhattan"""
    clinic_ids = tuple(_clinic_id(ref) for ref in clinics)
    try:
        user = create_account(NewAccount(email, name or email.split("@")[0], password, Role(role), clinic_ids))
    except ValidationFailed as error:
        db.session.rollback()
        raise click.BadParameter(error.message, param_hint=f"--{error.field or 'email'}") from None
    db.session.commit()
    click.echo(f"Created {user.role} account {user.id}.")


def _clinic_id(ref: str) -> int:
    condition = Clinic.slug == ref
    if ref.isdigit():
        condition = or_(condition, Clinic.id == int(ref))
    clinic_id = db.session.scalar(select(Clinic.id).where(condition))
    if clinic_id is None:
        raise click.BadParameter(f"no clinic with slug or id {ref!r}", param_hint="--clinic")
    return clinic_id
