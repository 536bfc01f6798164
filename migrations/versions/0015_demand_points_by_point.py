"""where-next: searches grouped by point from an index

Revision ID: 0015
Revises: 0014
Create Date: 2026-11-27 12:20:00

Found by bench/reporting at 100,000 searches: /headoffice/where-next groups a year of
demand_points by their (latitude, longitude) point. On SQLite that read every row by
ix_demand_points_searched_on and sorted them in a temporary B-tree (~180 ms);
ix_demand_points_point_day holds the points in order with their day, so the grouping is one
pass over the index alone (~30 ms). PostgreSQL hashes a sequential scan either way (~50 ms);
it can use the index only when its planner judges it cheaper.
"""
from alembic import op

revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('demand_points', schema=None) as batch_op:
        batch_op.create_index('ix_demand_points_point_day', ['latitude', 'longitude', 'searched_on'], unique=False)


def downgrade():
    with op.batch_alter_table('demand_points', schema=None) as batch_op:
        batch_op.drop_index('ix_demand_points_point_day')
