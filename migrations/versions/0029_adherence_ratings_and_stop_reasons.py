"""check_in_exercises: per-exercise rating and pain; stop_questions; what was done about an alert

Revision ID: 0029
Revises: 0028
Create Date: 2026-12-08 00:00:00

- check_in_exercises.rating (easier / same / harder or painful) and pain_during (0-10), both
  optional and only on an exercise done that day: effect per exercise, not per day.
- stop_questions: "why did you stop?", one per course, answered from a no-login link.
- check_in_alert_acknowledgements.action_taken: who acknowledged and when were kept already;
  what they did is now kept too (existing rows: empty).
"""
import sqlalchemy as sa
from alembic import op

revision = '0029'
down_revision = '0028'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('check_in_exercises', schema=None) as batch_op:
        batch_op.add_column(sa.Column('rating', sa.String(length=10), nullable=True))
        batch_op.add_column(sa.Column('pain_during', sa.Integer(), nullable=True))
        batch_op.create_check_constraint(op.f('ck_check_in_exercises_rating_known'),
                                         "rating IN ('easier', 'same', 'harder')")
        batch_op.create_check_constraint(op.f('ck_check_in_exercises_pain_during_0_to_10'),
                                         'pain_during BETWEEN 0 AND 10')
        batch_op.create_check_constraint(op.f('ck_check_in_exercises_rated_only_when_done'),
                                         'sets_done > 0 OR (rating IS NULL AND pain_during IS NULL)')
    with op.batch_alter_table('check_in_alert_acknowledgements', schema=None) as batch_op:
        batch_op.add_column(sa.Column('action_taken', sa.Text(), nullable=False, server_default=''))
    with op.batch_alter_table('check_in_alert_acknowledgements', schema=None) as batch_op:
        batch_op.alter_column('action_taken', server_default=None)
    op.create_table(
        'stop_questions',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('patient_id', sa.Integer(), nullable=False),
        sa.Column('clinic_id', sa.Integer(), nullable=False),
        sa.Column('course_started_on', sa.Date(), nullable=False),
        sa.Column('last_exercised_on', sa.Date(), nullable=True),
        sa.Column('token_hash', sa.String(length=64), nullable=False),
        sa.Column('asked_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('answered_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('reason', sa.String(length=20), nullable=True),
        sa.Column('other_text', sa.String(length=300), nullable=False),
        sa.CheckConstraint("reason IN ('did_not_help', 'made_worse', 'too_painful', 'no_time', 'forgot', "
                           "'felt_better', 'other')", name=op.f('ck_stop_questions_reason_known')),
        sa.CheckConstraint('(reason IS NULL) = (answered_at IS NULL)',
                           name=op.f('ck_stop_questions_answered_with_reason')),
        sa.ForeignKeyConstraint(['clinic_id'], ['clinics.id'], name=op.f('fk_stop_questions_clinic_id_clinics'),
                                ondelete='RESTRICT'),
        sa.ForeignKeyConstraint(['patient_id'], ['patients.id'], name=op.f('fk_stop_questions_patient_id_patients'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_stop_questions')),
        sa.UniqueConstraint('patient_id', 'course_started_on',
                            name=op.f('uq_stop_questions_patient_id_course_started_on')),
        sa.UniqueConstraint('token_hash', name=op.f('uq_stop_questions_token_hash')),
    )
    with op.batch_alter_table('stop_questions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_stop_questions_patient_id'), ['patient_id'], unique=False)


def downgrade():
    op.drop_table('stop_questions')
    with op.batch_alter_table('check_in_alert_acknowledgements', schema=None) as batch_op:
        batch_op.drop_column('action_taken')
    with op.batch_alter_table('check_in_exercises', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_check_in_exercises_rated_only_when_done'), type_='check')
        batch_op.drop_constraint(op.f('ck_check_in_exercises_pain_during_0_to_10'), type_='check')
        batch_op.drop_constraint(op.f('ck_check_in_exercises_rating_known'), type_='check')
        batch_op.drop_column('pain_during')
        batch_op.drop_column('rating')
