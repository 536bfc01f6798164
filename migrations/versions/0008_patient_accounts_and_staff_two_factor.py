"""patient accounts: e-mail confirmation, profile and contact preferences, deletion requests; staff two-factor sign-in

Patient records linked to accounts before e-mail confirmation existed are unlinked (see upgrade).

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-27 09:45:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('deletion_requests',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('requested_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_deletion_requests_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_deletion_requests'))
    )
    with op.batch_alter_table('deletion_requests', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_deletion_requests_user_id'), ['user_id'], unique=False)
    # Plain ADD COLUMN (every column is nullable or has a default): a batch rebuild of users
    # would drop the table, which SQLite's foreign keys refuse once other rows point at it.
    op.add_column('users', sa.Column('date_of_birth', sa.Date(), nullable=True))
    op.add_column('users', sa.Column('email_verified_at', sa.DateTime(timezone=True), nullable=True))
    op.add_column('users', sa.Column('phone', sa.String(length=20), server_default='', nullable=False))
    op.add_column('users', sa.Column('visit_reminder_emails', sa.Boolean(), server_default=sa.true(), nullable=False))
    op.add_column('users', sa.Column('totp_secret', sa.String(length=255), nullable=True))
    op.add_column('users', sa.Column('totp_enrolled_at', sa.DateTime(timezone=True), nullable=True))
    op.add_column('users', sa.Column('totp_last_step', sa.Integer(), nullable=True))
    # Until now a record joined an account on an e-mail address nobody had confirmed. From here
    # a record joins only a confirmed account with the same date of birth, so every earlier link
    # is undone; the owner's records come back when they confirm their address.
    op.execute(
        "UPDATE patients SET user_id = NULL WHERE user_id IN "
        "(SELECT id FROM users WHERE email_verified_at IS NULL)"
    )


def downgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('totp_last_step')
        batch_op.drop_column('totp_enrolled_at')
        batch_op.drop_column('totp_secret')
        batch_op.drop_column('visit_reminder_emails')
        batch_op.drop_column('phone')
        batch_op.drop_column('email_verified_at')
        batch_op.drop_column('date_of_birth')
    with op.batch_alter_table('deletion_requests', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_deletion_requests_user_id'))
    op.drop_table('deletion_requests')
