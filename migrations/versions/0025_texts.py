"""text messages: consents, opted-out numbers, texts in the outbox, visits confirmed by text

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-07 23:59:03

Texts go through the same outbox as e-mail: a channel column (existing rows are e-mails), the
visit a text is about, the clinic zone whose night it waits out, and the provider's id and
delivery status. text_consents keeps each agreement with its wording, time and source;
text_opt_outs the numbers that answered STOP.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0025'
down_revision = '0024'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('text_opt_outs',
    sa.Column('phone', sa.String(length=16), nullable=False),
    sa.Column('opted_out_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('phone', name=op.f('pk_text_opt_outs'))
    )
    op.create_table('text_consents',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('patient_id', sa.Integer(), nullable=False),
    sa.Column('phone', sa.String(length=16), nullable=False),
    sa.Column('wording', sa.String(length=500), nullable=False),
    sa.Column('source', sa.String(length=20), nullable=False),
    sa.Column('booking_id', sa.Integer(), nullable=True),
    sa.Column('given_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('withdrawn_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['booking_id'], ['bookings.id'], name=op.f('fk_text_consents_booking_id_bookings'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['patient_id'], ['patients.id'], name=op.f('fk_text_consents_patient_id_patients'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_text_consents'))
    )
    with op.batch_alter_table('text_consents', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_text_consents_booking_id'), ['booking_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_text_consents_patient_id'), ['patient_id'], unique=False)

    # Plain ADD COLUMN: SQLite does not rebuild bookings, which many tables reference.
    op.add_column('bookings', sa.Column('confirmed_by_text_at', sa.DateTime(timezone=True), nullable=True))

    with op.batch_alter_table('outbox_messages', schema=None) as batch_op:
        batch_op.add_column(sa.Column('channel', sa.String(length=10), server_default='email', nullable=False))
        batch_op.add_column(sa.Column('booking_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('send_zone', sa.String(length=64), server_default='', nullable=False))
        batch_op.add_column(sa.Column('provider_message_id', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('delivery_status', sa.String(length=20), server_default='', nullable=False))
        batch_op.create_index(batch_op.f('ix_outbox_messages_booking_id'), ['booking_id'], unique=False)
        batch_op.create_unique_constraint(batch_op.f('uq_outbox_messages_provider_message_id'), ['provider_message_id'])
        batch_op.create_foreign_key(batch_op.f('fk_outbox_messages_booking_id_bookings'), 'bookings', ['booking_id'], ['id'], ondelete='SET NULL')



def downgrade():
    with op.batch_alter_table('outbox_messages', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_outbox_messages_booking_id_bookings'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('uq_outbox_messages_provider_message_id'), type_='unique')
        batch_op.drop_index(batch_op.f('ix_outbox_messages_booking_id'))
        batch_op.drop_column('delivery_status')
        batch_op.drop_column('provider_message_id')
        batch_op.drop_column('send_zone')
        batch_op.drop_column('booking_id')
        batch_op.drop_column('channel')

    op.drop_column('bookings', 'confirmed_by_text_at')

    with op.batch_alter_table('text_consents', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_text_consents_patient_id'))
        batch_op.drop_index(batch_op.f('ix_text_consents_booking_id'))

    op.drop_table('text_consents')
    op.drop_table('text_opt_outs')
