"""red_flag_screens, startback_screens: tiered red-flag screens and STarT Back; charts.red_flags moves

Revision ID: 0026
Revises: 0025
Create Date: 2026-12-08 00:10:00

Red flags were nine checkboxes on the chart, where "none ticked" could not be told from "not
screened". A screen is now a row of its own (clinic_app/screening): findings, their tier, who
screened and when, and for an emergency the action taken. The ticked boxes move here:

- a chart with boxes ticked becomes one confirmed screen (source 'migrated') with those codes,
  at the chart's clinic and time, by whoever last wrote the chart; its tier is that of the most
  serious code (the nine codes keep their meaning: clinic_app/screening/rules.py);
- a chart with none ticked becomes no screen: nothing says it was screened ("not screened").

A migrated emergency (saddle anaesthesia, bladder or bowel dysfunction, bilateral deficit) is
open until its action is recorded, as any new one would be. Downgrade writes the codes of the
patient's confirmed screens (practitioner or migrated) back onto the chart, as far as the old
nine codes go; patient-reported and check-in answers have no place there and are dropped.
"""
import json

import sqlalchemy as sa
from alembic import op


revision = '0026'
down_revision = '0025'
branch_labels = None
depends_on = None

# The nine codes of the old checkboxes and their tier (screening.rules.RED_FLAGS), frozen here:
# a migration must not change when the rules do.
OLD_TIERS = {
    "saddle_anaesthesia": 3, "bladder_bowel": 3, "bilateral_leg_symptoms": 3,
    "cancer_history": 2, "weight_loss": 2, "fever": 2, "trauma": 2, "night_pain": 2,
    "age_onset": 1,
}
TIER_CODES = {0: "none", 1: "review", 2: "urgent", 3: "emergency"}


def upgrade():
    op.create_table('red_flag_screens',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('patient_id', sa.Integer(), nullable=False),
    sa.Column('clinic_id', sa.Integer(), nullable=False),
    sa.Column('booking_id', sa.Integer(), nullable=True),
    sa.Column('source', sa.String(length=12), nullable=False),
    sa.Column('findings', sa.JSON(), nullable=False),
    sa.Column('tier', sa.String(length=10), nullable=False),
    sa.Column('screened_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('recorded_by_id', sa.Integer(), nullable=True),
    sa.Column('confirmed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('confirmed_by_id', sa.Integer(), nullable=True),
    sa.Column('action_code', sa.String(length=30), nullable=True),
    sa.Column('action_detail', sa.String(length=300), nullable=False),
    sa.Column('action_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('action_by_id', sa.Integer(), nullable=True),
    sa.CheckConstraint("source IN ('patient', 'practitioner', 'check_in', 'migrated')", name=op.f('ck_red_flag_screens_source_known')),
    sa.CheckConstraint("tier IN ('none', 'review', 'urgent', 'emergency')", name=op.f('ck_red_flag_screens_tier_known')),
    sa.CheckConstraint('(action_code IS NULL) = (action_at IS NULL)', name=op.f('ck_red_flag_screens_action_when')),
    sa.ForeignKeyConstraint(['action_by_id'], ['users.id'], name=op.f('fk_red_flag_screens_action_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['booking_id'], ['bookings.id'], name=op.f('fk_red_flag_screens_booking_id_bookings'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['clinic_id'], ['clinics.id'], name=op.f('fk_red_flag_screens_clinic_id_clinics')),
    sa.ForeignKeyConstraint(['confirmed_by_id'], ['users.id'], name=op.f('fk_red_flag_screens_confirmed_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['patient_id'], ['patients.id'], name=op.f('fk_red_flag_screens_patient_id_patients'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['users.id'], name=op.f('fk_red_flag_screens_recorded_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_red_flag_screens'))
    )
    with op.batch_alter_table('red_flag_screens', schema=None) as batch_op:
        batch_op.create_index('ix_red_flag_screens_open', ['tier', 'action_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_red_flag_screens_patient_id'), ['patient_id'], unique=False)

    op.create_table('startback_screens',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('patient_id', sa.Integer(), nullable=False),
    sa.Column('clinic_id', sa.Integer(), nullable=False),
    sa.Column('booking_id', sa.Integer(), nullable=True),
    sa.Column('source', sa.String(length=12), nullable=False),
    sa.Column('answers', sa.JSON(), nullable=False),
    sa.Column('total', sa.Integer(), nullable=False),
    sa.Column('psychosocial', sa.Integer(), nullable=False),
    sa.Column('risk_group', sa.String(length=10), nullable=False),
    sa.Column('taken_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('recorded_by_id', sa.Integer(), nullable=True),
    sa.CheckConstraint("risk_group IN ('low', 'medium', 'high')", name=op.f('ck_startback_screens_risk_group_known')),
    sa.CheckConstraint("source IN ('patient', 'practitioner')", name=op.f('ck_startback_screens_source_known')),
    sa.CheckConstraint('psychosocial BETWEEN 0 AND 5 AND psychosocial <= total', name=op.f('ck_startback_screens_psychosocial_range')),
    sa.CheckConstraint('total BETWEEN 0 AND 9', name=op.f('ck_startback_screens_total_range')),
    sa.ForeignKeyConstraint(['booking_id'], ['bookings.id'], name=op.f('fk_startback_screens_booking_id_bookings'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['clinic_id'], ['clinics.id'], name=op.f('fk_startback_screens_clinic_id_clinics')),
    sa.ForeignKeyConstraint(['patient_id'], ['patients.id'], name=op.f('fk_startback_screens_patient_id_patients'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['users.id'], name=op.f('fk_startback_screens_recorded_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_startback_screens'))
    )
    with op.batch_alter_table('startback_screens', schema=None) as batch_op:
        batch_op.create_index('ix_startback_screens_patient_taken', ['patient_id', 'taken_at'], unique=False)

    _move_chart_flags_to_screens()
    with op.batch_alter_table('charts', schema=None) as batch_op:
        batch_op.drop_column('red_flags')


def downgrade():
    with op.batch_alter_table('charts', schema=None) as batch_op:
        batch_op.add_column(sa.Column('red_flags', sa.JSON(), nullable=False, server_default='[]'))
    _move_screens_to_chart_flags()

    with op.batch_alter_table('startback_screens', schema=None) as batch_op:
        batch_op.drop_index('ix_startback_screens_patient_taken')

    op.drop_table('startback_screens')
    with op.batch_alter_table('red_flag_screens', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_red_flag_screens_patient_id'))
        batch_op.drop_index('ix_red_flag_screens_open')

    op.drop_table('red_flag_screens')


def _codes(value) -> list[str]:
    return json.loads(value) if isinstance(value, str) else list(value or [])


def _move_chart_flags_to_screens():
    bind = op.get_bind()
    charts = bind.execute(sa.text("SELECT patient_id, clinic_id, red_flags, updated_at, updated_by_id FROM charts"))
    screens = sa.table('red_flag_screens', *(sa.column(name) for name in (
        'patient_id', 'clinic_id', 'source', 'tier', 'screened_at', 'recorded_by_id', 'confirmed_at',
        'confirmed_by_id', 'action_detail')), sa.column('findings', sa.JSON()))
    rows = []
    for patient_id, clinic_id, flags, updated_at, updated_by_id in charts:
        codes = sorted({code for code in _codes(flags) if code in OLD_TIERS})
        if codes:
            rows.append(dict(patient_id=patient_id, clinic_id=clinic_id, source='migrated', findings=codes,
                             tier=TIER_CODES[max(OLD_TIERS[code] for code in codes)], screened_at=updated_at,
                             recorded_by_id=updated_by_id, confirmed_at=updated_at, confirmed_by_id=updated_by_id,
                             action_detail=''))
    if rows:
        op.bulk_insert(screens, rows)


def _move_screens_to_chart_flags():
    bind = op.get_bind()
    found: dict[int, set[str]] = {}
    for patient_id, findings in bind.execute(sa.text(
            "SELECT patient_id, findings FROM red_flag_screens WHERE source IN ('practitioner', 'migrated')")):
        found.setdefault(patient_id, set()).update(code for code in _codes(findings) if code in OLD_TIERS)
    for patient_id, codes in found.items():
        update = sa.text("UPDATE charts SET red_flags = :codes WHERE patient_id = :patient_id").bindparams(
            sa.bindparam("codes", type_=sa.JSON()))
        bind.execute(update, {"codes": sorted(codes), "patient_id": patient_id})
