"""charts, odi_responses, programmes: the clinic each record belongs to

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-07 22:00:00

A clinic's staff see what their own clinics recorded, and other clinics' records only once the
patient has attended a visit at theirs (accounts.policy.can_see_clinic_record). Visits and
notes already name their clinic; these three did not. Existing rows are placed here:

- a questionnaire taken at a visit: that visit's clinic; otherwise, like a chart, the clinic
  of the patient's latest visit (not cancelled) at a clinic where whoever recorded it works,
  at or before the time it was written;
- a programme: the clinic of the patient's latest visit (not cancelled) with the prescribing
  practitioner at or before it was prescribed;
- failing those, the clinic of the patient's latest visit (not cancelled) before then, and
  failing that, of their first booking. Every patient with a record has a booking (staff open
  records only through one, and bookings are never deleted), so the columns can be NOT NULL.

SQLite rebuilds a table to make a column NOT NULL; programmes is referenced by other tables
with ON DELETE CASCADE, which is why migrations/env.py runs SQLite migrations with foreign keys
off (and checks every reference afterwards).
"""
import sqlalchemy as sa
from alembic import op


revision = '0023'
down_revision = '0022'
branch_labels = None
depends_on = None

TABLES = {"charts": "updated_at", "odi_responses": "taken_at", "programmes": "created_at"}


def _latest_visit(table: str, when: str, extra: str = "") -> str:
    return (f"(SELECT b.clinic_id FROM bookings b WHERE b.patient_id = {table}.patient_id "
            f"AND b.status <> 'cancelled' AND b.start_at <= {table}.{when} {extra} "
            "ORDER BY b.start_at DESC, b.id DESC LIMIT 1)")


def _first_booking(table: str) -> str:
    return (f"(SELECT b.clinic_id FROM bookings b WHERE b.patient_id = {table}.patient_id "
            "ORDER BY b.start_at, b.id LIMIT 1)")


def _where_staff_work(table: str, column: str) -> str:
    return f"AND b.clinic_id IN (SELECT s.clinic_id FROM clinic_staff s WHERE s.user_id = {table}.{column})"


BACKFILL = {
    "charts": [_latest_visit("charts", "updated_at", _where_staff_work("charts", "updated_by_id"))],
    "odi_responses": [
        "(SELECT b.clinic_id FROM bookings b WHERE b.id = odi_responses.booking_id)",
        _latest_visit("odi_responses", "taken_at", _where_staff_work("odi_responses", "recorded_by_id")),
    ],
    "programmes": [_latest_visit("programmes", "created_at", "AND b.practitioner_id = programmes.practitioner_id")],
}


def upgrade():
    for table, when in TABLES.items():
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column('clinic_id', sa.Integer(), nullable=True))
        places = [*BACKFILL[table], _latest_visit(table, when), _first_booking(table)]
        op.execute(f"UPDATE {table} SET clinic_id = COALESCE({', '.join(places)})")
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.alter_column('clinic_id', existing_type=sa.Integer(), nullable=False)
            batch_op.create_foreign_key(batch_op.f(f'fk_{table}_clinic_id_clinics'), 'clinics', ['clinic_id'], ['id'])


def downgrade():
    for table in reversed(TABLES):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_constraint(batch_op.f(f'fk_{table}_clinic_id_clinics'), type_='foreignkey')
            batch_op.drop_column('clinic_id')
