"""``flask users create``: staff accounts from the command line; ``reset-2fa`` and, outside
production, ``totp-code`` for two-factor sign-in."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy import or_, select

from clinic_app import clock
from clinic_app.accounts.models import Role
from clinic_app.accounts.service import NewAccount, create_account, find_user_by_email
from clinic_app.accounts.two_factor import reset_two_factor, secret_of
from clinic_app.accounts.two_factor_rules import next_usable_code
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


@users.command("reset-2fa")
@click.argument("email")
@with_appcontext
def reset_2fa(email: str):
    """Forget an account's two-factor enrolment (a lost phone) and sign it out everywhere; it
    enrols again at its next sign-in. E.g. flask users reset-2fa someone@backsolution.example"""
    user = find_user_by_email(email)
    if user is None:
        raise click.BadParameter(f"no account with e-mail {email!r}", param_hint="EMAIL")
    reset_two_factor(user)
    db.session.commit()
    click.echo(f"Two-factor sign-in reset for account {user.id}; it enrols again at its next sign-in.")


@users.command("totp-code")
@click.argument("email")
@with_appcontext
def totp_code(email: str):
    """Print the current two-factor code of an enrolled account: for the demo and development
    only (the server holds every secret, so this is refused in production)."""
    if current_app.config["APP_ENV"] == "production":
        raise click.ClickException("totp-code refuses to run in production: use the authenticator app.")
    user = find_user_by_email(email)
    secret = secret_of(user) if user is not None and user.two_factor_enrolled else None
    if user is None or secret is None:
        raise click.BadParameter(f"{email!r} has no two-factor sign-in", param_hint="EMAIL")
    code = next_usable_code(secret, clock.utcnow(), user.totp_last_step)
    if code is None:
        raise click.ClickException("This half-minute's codes are used up: try again in 30 seconds.")
    click.echo(code)
