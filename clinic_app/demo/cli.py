"""``flask seed-demo``: a believable, entirely synthetic network to explore."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import with_appcontext

from clinic_app.clock import utcnow
from clinic_app.demo.clinical import seed_clinical_history
from clinic_app.demo.data import DEMO_TOTP_SECRET
from clinic_app.demo.seed import seed_demo_clinics, seed_demo_schedules, seed_demo_users, seed_synthetic_network
from clinic_app.extensions import db


@click.command("seed-demo")
@click.option(
    "--clinics",
    "network_size",
    type=click.IntRange(min=0, max=1_000_000),
    default=0,
    help="Also generate this many synthetic clinics at real ZIP codes (for benchmarks).",
)
@with_appcontext
def seed_demo(network_size: int):
    """Load demo clinics, one account per role and months of synthetic treatment history.
    Safe to run twice; refused in production."""
    if current_app.config["APP_ENV"] == "production":
        raise click.ClickException("seed-demo refuses to run in production: demo accounts share one password.")
    password = current_app.config["DEMO_PASSWORD"]
    clinics = seed_demo_clinics()
    users = seed_demo_users(password)
    practitioners = seed_demo_schedules(password)
    patients = seed_clinical_history(utcnow().date())
    generated = seed_synthetic_network(network_size) if network_size else 0
    db.session.commit()
    click.echo(
        f"Demo data: {clinics} clinics, {users} accounts, {practitioners} practitioners, "
        f"{patients} patients with treatment history, {generated} generated clinics added."
    )
    click.echo(
        f"Demo logins (password: {password}): admin@example.com, headoffice@example.com, "
        "manager@example.com, practitioner@example.com, patient@example.com"
    )
    click.echo(
        "admin@ and headoffice@ also need a two-factor code: `flask users totp-code headoffice@example.com`, "
        f"or add the demo secret {DEMO_TOTP_SECRET} to an authenticator app."
    )
