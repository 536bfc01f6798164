"""adherence reporting: per-day exercise effects, programmes' last exercised day, bookings by patient

Revision ID: 0014
Revises: 0013
Create Date: 2026-11-27 12:00:00

Found by bench/reporting at 1,000,000 bookings: a year of the network's exercise effects read
~70,000 check-ins and ~170,000 check-in exercises, with each patient's previous check-in, on
every view. daily_exercise_effects and daily_category_effects hold those figures per day; they
are derived from the check-ins and kept current by clinic_app/reporting/projections/daily_effects.py.
Retention read each programme's latest exercise check-in: programmes.last_exercised_on keeps
it (clinic_app/reporting/projections/last_exercised.py), and ix_bookings_patient_start finds the visit that
places each programme at a clinic from the index alone.

The backfill calls the application's own rebuild, so that the rows equal what the reports
count, by the one definition of each figure. Should that code one day no longer run against
this revision's schema, replace the call with `flask reports rebuild` after upgrading.
"""
import sqlalchemy as sa
from alembic import op

revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None

FIGURES = ('check_ins', 'better', 'same', 'worse', 'change_total', 'changes')


def _figures():
    return [sa.Column(name, sa.Integer(), nullable=False) for name in FIGURES]


def upgrade():
    op.create_table('daily_exercise_effects',
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('exercise_id', sa.Integer(), nullable=False),
    *_figures(),
    sa.ForeignKeyConstraint(['exercise_id'], ['exercises.id'],
                            name=op.f('fk_daily_exercise_effects_exercise_id_exercises'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('day', 'exercise_id', name=op.f('pk_daily_exercise_effects'))
    )
    op.create_table('daily_category_effects',
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('category', sa.String(length=20), nullable=False),
    *_figures(),
    sa.PrimaryKeyConstraint('day', 'category', name=op.f('pk_daily_category_effects'))
    )
    op.create_index('ix_bookings_patient_start', 'bookings', ['patient_id', 'start_at', 'id', 'status', 'clinic_id'],
                    unique=False)

    # Plain ALTER TABLE on both databases (SQLite >= 3.35 drops a column too): a batch rebuild of
    # programmes would drop the table that check-ins point at (see 0012).
    op.add_column('programmes', sa.Column('last_exercised_on', sa.Date(), nullable=True))

    from clinic_app.reporting.projections import daily_effects, last_exercised

    daily_effects.rebuild(op.get_bind())
    last_exercised.refresh(op.get_bind())


def downgrade():
    op.drop_column('programmes', 'last_exercised_on')
    op.drop_index('ix_bookings_patient_start', table_name='bookings')
    op.drop_table('daily_category_effects')
    op.drop_table('daily_exercise_effects')
