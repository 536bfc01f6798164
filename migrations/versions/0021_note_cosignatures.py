"""note_cosignatures: a clinic manager's countersignature of a signed treatment note

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-07 21:00:00

Only the visit's practitioner writes and signs its note; a manager who must review it adds a
co-signature here, shown beside the author's signature, never instead of it.
"""
import sqlalchemy as sa
from alembic import op


revision = '0021'
down_revision = '0020'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'note_cosignatures',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('note_id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('signed_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['note_id'], ['treatment_notes.id'],
                                name=op.f('fk_note_cosignatures_note_id_treatment_notes'), ondelete='RESTRICT'),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_note_cosignatures_user_id_users'),
                                ondelete='RESTRICT'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_note_cosignatures')),
        sa.UniqueConstraint('note_id', 'user_id', name=op.f('uq_note_cosignatures_note_id_user_id')),
    )
    with op.batch_alter_table('note_cosignatures', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_note_cosignatures_note_id'), ['note_id'], unique=False)


def downgrade():
    with op.batch_alter_table('note_cosignatures', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_note_cosignatures_note_id'))
    op.drop_table('note_cosignatures')
