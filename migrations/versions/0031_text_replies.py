"""text_replies: every text a patient sent us, what it was taken for and what we answered

Revision ID: 0031
Revises: 0030
Create Date: 2026-12-08 01:37:15

The provider's message id is unique, so a reply the webhook receives twice acts once.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0031'
down_revision = '0030'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('text_replies',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('provider_message_id', sa.String(length=64), nullable=True),
    sa.Column('phone', sa.String(length=16), nullable=False),
    sa.Column('body', sa.String(length=320), nullable=False),
    sa.Column('keyword', sa.String(length=10), nullable=False),
    sa.Column('booking_id', sa.Integer(), nullable=True),
    sa.Column('answer', sa.String(length=320), nullable=False),
    sa.Column('received_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['booking_id'], ['bookings.id'], name=op.f('fk_text_replies_booking_id_bookings'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_text_replies')),
    sa.UniqueConstraint('provider_message_id', name=op.f('uq_text_replies_provider_message_id'))
    )


def downgrade():
    op.drop_table('text_replies')
