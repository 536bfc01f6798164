"""fhir_clients, fhir_access_tokens, fhir_client_patients: partners of the FHIR API

Revision ID: 0027
Revises: 0026
Create Date: 2026-12-07 23:50:38

Partner systems (a referrer's EHR, an insurer) registered by an admin with their public keys,
the short-lived tokens they were given (stored as hashes, with the id of the signed assertion
each was given for, which may not be used twice), and the patients each may read. New tables
only: nothing to backfill.
"""
import sqlalchemy as sa
from alembic import op


revision = '0027'
down_revision = '0026'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('fhir_clients',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('client_id', sa.String(length=64), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('jwks', sa.JSON(), nullable=False),
    sa.Column('scope', sa.String(length=1000), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_fhir_clients')),
    sa.UniqueConstraint('client_id', name=op.f('uq_fhir_clients_client_id'))
    )
    op.create_table('fhir_access_tokens',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('client_id', sa.Integer(), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('scope', sa.String(length=1000), nullable=False),
    sa.Column('assertion_jti', sa.String(length=255), nullable=False),
    sa.Column('issued_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('expires_at > issued_at', name=op.f('ck_fhir_access_tokens_expires_after_issue')),
    sa.ForeignKeyConstraint(['client_id'], ['fhir_clients.id'], name=op.f('fk_fhir_access_tokens_client_id_fhir_clients'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_fhir_access_tokens')),
    sa.UniqueConstraint('client_id', 'assertion_jti', name=op.f('uq_fhir_access_tokens_client_id_assertion_jti')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_fhir_access_tokens_token_hash'))
    )
    with op.batch_alter_table('fhir_access_tokens', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_fhir_access_tokens_client_id'), ['client_id'], unique=False)

    op.create_table('fhir_client_patients',
    sa.Column('client_id', sa.Integer(), nullable=False),
    sa.Column('patient_id', sa.Integer(), nullable=False),
    sa.Column('reason', sa.String(length=10), nullable=False),
    sa.Column('since', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("reason IN ('booked', 'shared')", name=op.f('ck_fhir_client_patients_reason_known')),
    sa.ForeignKeyConstraint(['client_id'], ['fhir_clients.id'], name=op.f('fk_fhir_client_patients_client_id_fhir_clients'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['patient_id'], ['patients.id'], name=op.f('fk_fhir_client_patients_patient_id_patients'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('client_id', 'patient_id', name=op.f('pk_fhir_client_patients'))
    )
    with op.batch_alter_table('fhir_client_patients', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_fhir_client_patients_patient_id'), ['patient_id'], unique=False)



def downgrade():
    with op.batch_alter_table('fhir_client_patients', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_fhir_client_patients_patient_id'))

    op.drop_table('fhir_client_patients')
    with op.batch_alter_table('fhir_access_tokens', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_fhir_access_tokens_client_id'))

    op.drop_table('fhir_access_tokens')
    op.drop_table('fhir_clients')
