"""exercises, programme_exercises: minutes for timed exercises

Revision ID: 0030
Revises: 0029
Create Date: 2026-12-08 00:15:00

A timed exercise (brisk walking) is prescribed in minutes, not in sets of reps: "Brisk walking:
1 set of 1, 1 a day" said nothing of how long. ``minutes`` is 0 for an exercise counted in reps.
The library's walking exercise and every prescription of it become 20 minutes (its instructions
say 10 to 20); the practitioner changes that per patient.
"""
import sqlalchemy as sa
from alembic import op


revision = '0030'
down_revision = '0029'
branch_labels = None
depends_on = None

TABLES = ("exercises", "programme_exercises")


def upgrade():
    for table in TABLES:
        with op.batch_alter_table(table) as batch:
            batch.add_column(sa.Column("minutes", sa.Integer(), nullable=False, server_default="0"))
            batch.create_check_constraint(op.f(f"ck_{table}_minutes_range"), "minutes BETWEEN 0 AND 180")
    op.execute("UPDATE exercises SET minutes = 20 WHERE slug = 'walking'")
    op.execute("UPDATE programme_exercises SET minutes = 20 "
               "WHERE exercise_id IN (SELECT id FROM exercises WHERE slug = 'walking')")


def downgrade():
    for table in TABLES:
        with op.batch_alter_table(table) as batch:
            batch.drop_constraint(op.f(f"ck_{table}_minutes_range"), type_="check")
            batch.drop_column("minutes")
