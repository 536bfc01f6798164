"""episodes: episodes of care; every pain score (note) and questionnaire belongs to one

Revision ID: 0028
Revises: 0027
Create Date: 2026-12-08 00:00:00

An episode runs from the intake visit to discharge (by the practitioner, with a reason) or to its
automatic close after EPISODE_AUTO_CLOSE_DAYS without a visit. Existing records are moved into
episodes here, per patient, in time order over the visits that count: those the patient came
to (arrived or seen) and those that already have a note or a questionnaire. A gap of
AUTO_CLOSE_DAYS (the setting's default at this revision) or more between two of them starts a
new episode; each earlier one is closed as "no_visit" that many days after its last visit, and
the latest is closed the same way when it has lapsed by the time of the upgrade. A questionnaire
taken without a visit goes to the episode open when it was taken (else the patient's first),
and a patient with such a questionnaire but no visit that counts gets an episode from their
first booking.

treatment_notes: signed notes are closed by triggers; the backfill lifts them for its own
update and puts them back (SQLite also loses them when it rebuilds the table).

outcome_scores (derived) is refilled by the application's own rebuild, as in 0013. Downgrading
leaves it to `flask reports rebuild`, which the earlier release's definition then recomputes.
"""
from collections import defaultdict
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from alembic import op


revision = '0028'
down_revision = '0027'
branch_labels = None
depends_on = None

AUTO_CLOSE_DAYS = 60
SQLITE_NOTE_GUARDS = [
    f"CREATE TRIGGER treatment_notes_signed_no_{verb.lower()} BEFORE {verb} ON treatment_notes "
    "WHEN OLD.status = 'signed' BEGIN SELECT RAISE(ABORT, 'a signed note cannot be changed'); END"
    for verb in ("UPDATE", "DELETE")
]


def _sqlite() -> bool:
    return op.get_bind().dialect.name == "sqlite"


def _lift_note_guards():
    if _sqlite():
        for verb in ("update", "delete"):
            op.execute(f"DROP TRIGGER IF EXISTS treatment_notes_signed_no_{verb}")
    else:
        op.execute("ALTER TABLE treatment_notes DISABLE TRIGGER treatment_notes_signed_closed")


def _restore_note_guards():
    if _sqlite():
        for statement in SQLITE_NOTE_GUARDS:
            op.execute(statement)
    else:
        op.execute("ALTER TABLE treatment_notes ENABLE TRIGGER treatment_notes_signed_closed")


def upgrade():
    op.create_table(
        'episodes',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('patient_id', sa.Integer(), nullable=False),
        sa.Column('clinic_id', sa.Integer(), nullable=False),
        sa.Column('intake_booking_id', sa.Integer(), nullable=False),
        sa.Column('opened_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('discharged_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('discharge_reason', sa.String(length=20), nullable=True),
        sa.Column('discharged_by_id', sa.Integer(), nullable=True),
        sa.CheckConstraint('(discharged_at IS NULL) = (discharge_reason IS NULL)',
                           name=op.f('ck_episodes_discharge_has_reason')),
        sa.CheckConstraint('discharged_at IS NULL OR discharged_at >= opened_at',
                           name=op.f('ck_episodes_discharged_after_opened')),
        sa.CheckConstraint("discharge_reason IS NULL OR discharge_reason IN "
                           "('goals_met', 'plateau', 'referred', 'patient_choice', 'no_visit')",
                           name=op.f('ck_episodes_reason_known')),
        sa.ForeignKeyConstraint(['clinic_id'], ['clinics.id'], name=op.f('fk_episodes_clinic_id_clinics')),
        sa.ForeignKeyConstraint(['discharged_by_id'], ['users.id'], name=op.f('fk_episodes_discharged_by_id_users'),
                                ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['intake_booking_id'], ['bookings.id'],
                                name=op.f('fk_episodes_intake_booking_id_bookings'), ondelete='RESTRICT'),
        sa.ForeignKeyConstraint(['patient_id'], ['patients.id'], name=op.f('fk_episodes_patient_id_patients'),
                                ondelete='RESTRICT'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_episodes')),
        sa.UniqueConstraint('intake_booking_id', name=op.f('uq_episodes_intake_booking_id')),
    )
    with op.batch_alter_table('episodes', schema=None) as batch_op:
        batch_op.create_index('ix_episodes_clinic_opened', ['clinic_id', 'opened_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_episodes_patient_id'), ['patient_id'], unique=False)
        batch_op.create_index('uq_episodes_open_per_patient', ['patient_id'], unique=True,
                              sqlite_where=sa.text('discharged_at IS NULL'),
                              postgresql_where=sa.text('discharged_at IS NULL'))

    for table in ('treatment_notes', 'odi_responses', 'outcome_scores'):
        op.add_column(table, sa.Column('episode_id', sa.Integer(), nullable=True))
    _lift_note_guards()
    _move_records_into_episodes(datetime.now(UTC))
    op.execute("DELETE FROM outcome_scores")

    for table in ('treatment_notes', 'odi_responses'):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.alter_column('episode_id', existing_type=sa.Integer(), nullable=False)
            batch_op.create_index(batch_op.f(f'ix_{table}_episode_id'), ['episode_id'], unique=False)
            batch_op.create_foreign_key(batch_op.f(f'fk_{table}_episode_id_episodes'), 'episodes', ['episode_id'],
                                        ['id'], ondelete='RESTRICT')
    _restore_note_guards()
    with op.batch_alter_table('outcome_scores', schema=None) as batch_op:
        batch_op.alter_column('episode_id', existing_type=sa.Integer(), nullable=False)
        batch_op.alter_column('booking_id', existing_type=sa.Integer(), nullable=True)
        batch_op.create_index('ix_outcome_scores_episode', ['scale', 'episode_id', 'taken_at', 'source_id', 'score'],
                              unique=False)

    from clinic_app.reporting.projections import outcome_scores

    outcome_scores.rebuild(op.get_bind())


def _move_records_into_episodes(now: datetime):
    connection = op.get_bind()
    visits = connection.execute(sa.text(
        "SELECT id, patient_id, clinic_id, start_at FROM bookings WHERE status IN ('arrived', 'completed') "
        "OR id IN (SELECT booking_id FROM treatment_notes) "
        "OR id IN (SELECT booking_id FROM odi_responses WHERE booking_id IS NOT NULL) "
        "ORDER BY patient_id, start_at, id")).all()
    by_patient = defaultdict(list)
    for visit in visits:
        by_patient[visit.patient_id].append((visit.id, visit.clinic_id, _aware(visit.start_at)))
    unplaced = connection.execute(sa.text(
        "SELECT DISTINCT patient_id FROM odi_responses WHERE booking_id IS NULL")).scalars().all()
    for patient_id in unplaced:
        if patient_id not in by_patient:
            first = connection.execute(sa.text(
                "SELECT id, clinic_id, start_at FROM bookings WHERE patient_id = :p ORDER BY start_at, id LIMIT 1"),
                {"p": patient_id}).one()
            by_patient[patient_id].append((first.id, first.clinic_id, _aware(first.start_at)))
    episode_of_visit, spans = {}, defaultdict(list)
    for patient_id, patient_visits in by_patient.items():
        for course in _courses(patient_visits):
            episode_id = _insert_episode(connection, patient_id, course, now)
            spans[patient_id].append((course[0][2], episode_id))
            episode_of_visit.update({visit_id: episode_id for visit_id, _, _ in course})
    _file(connection, "treatment_notes", "booking_id", episode_of_visit)
    _file(connection, "odi_responses", "booking_id", episode_of_visit)
    loose = connection.execute(sa.text(
        "SELECT id, patient_id, taken_at FROM odi_responses WHERE booking_id IS NULL")).all()
    for response in loose:
        opened = [episode for start, episode in spans[response.patient_id] if start <= _aware(response.taken_at)]
        episode = opened[-1] if opened else spans[response.patient_id][0][1]
        connection.execute(sa.text("UPDATE odi_responses SET episode_id = :e WHERE id = :i"),
                           {"e": episode, "i": response.id})


def _courses(visits):
    """The visits cut wherever AUTO_CLOSE_DAYS or more pass between two."""
    courses = [[visits[0]]]
    for visit in visits[1:]:
        if visit[2] - courses[-1][-1][2] >= timedelta(days=AUTO_CLOSE_DAYS):
            courses.append([])
        courses[-1].append(visit)
    return courses


def _insert_episode(connection, patient_id, course, now) -> int:
    intake_id, clinic_id, opened_at = course[0]
    closes = course[-1][2] + timedelta(days=AUTO_CLOSE_DAYS)
    closed = closes <= now
    connection.execute(sa.text(
        "INSERT INTO episodes (patient_id, clinic_id, intake_booking_id, opened_at, discharged_at, discharge_reason) "
        "VALUES (:patient, :clinic, :intake, :opened, :closed_at, :reason)").bindparams(
            sa.bindparam("opened", type_=sa.DateTime(timezone=True)),
            sa.bindparam("closed_at", type_=sa.DateTime(timezone=True))),
        {"patient": patient_id, "clinic": clinic_id, "intake": intake_id, "opened": opened_at,
         "closed_at": closes if closed else None, "reason": "no_visit" if closed else None})
    return connection.execute(sa.text("SELECT id FROM episodes WHERE intake_booking_id = :i"),
                              {"i": intake_id}).scalar_one()


def _file(connection, table, column, episode_of_visit):
    rows = [{"e": episode, "b": visit} for visit, episode in episode_of_visit.items()]
    if rows:
        connection.execute(sa.text(f"UPDATE {table} SET episode_id = :e WHERE {column} = :b"), rows)


def _aware(value):
    """SQLite hands back stored instants as text or naive datetimes (UTC)."""
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def downgrade():
    op.execute("DELETE FROM outcome_scores")
    with op.batch_alter_table('outcome_scores', schema=None) as batch_op:
        batch_op.drop_index('ix_outcome_scores_episode')
        batch_op.alter_column('booking_id', existing_type=sa.Integer(), nullable=False)
        batch_op.drop_column('episode_id')
    _lift_note_guards()
    for table in ('odi_responses', 'treatment_notes'):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_constraint(batch_op.f(f'fk_{table}_episode_id_episodes'), type_='foreignkey')
            batch_op.drop_index(batch_op.f(f'ix_{table}_episode_id'))
            batch_op.drop_column('episode_id')
    _restore_note_guards()
    with op.batch_alter_table('episodes', schema=None) as batch_op:
        batch_op.drop_index('uq_episodes_open_per_patient', sqlite_where=sa.text('discharged_at IS NULL'),
                            postgresql_where=sa.text('discharged_at IS NULL'))
        batch_op.drop_index(batch_op.f('ix_episodes_patient_id'))
        batch_op.drop_index('ix_episodes_clinic_opened')
    op.drop_table('episodes')
