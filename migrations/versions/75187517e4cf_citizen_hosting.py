"""Citizen hosting: hosts and their nights, each team's board of a night, its groups
(counts only) and van runs, and longer placements. The hosting coordinator role needs no
change: roles are stored as strings.

Revision ID: 75187517e4cf
Revises: c4e7a1f20b35
Create Date: 2026-12-06 10:31:52.544159

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '75187517e4cf'
down_revision = 'c4e7a1f20b35'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('hosting_boards',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('team_id', sa.Integer(), nullable=False),
    sa.Column('night', sa.Date(), nullable=False),
    sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('closed_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['closed_by_id'], ['users.id'], name=op.f('fk_hosting_boards_closed_by_id_users')),
    sa.ForeignKeyConstraint(['team_id'], ['teams.id'], name=op.f('fk_hosting_boards_team_id_teams')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_hosting_boards')),
    sa.UniqueConstraint('team_id', 'night', name='uq_hosting_board_team_night')
    )
    op.create_table('hosts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('team_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('phone', sa.String(length=32), nullable=False),
    sa.Column('town', sa.String(length=80), nullable=False),
    sa.Column('address', sa.Text(), nullable=False),
    sa.Column('kind', sa.Enum('one_night', 'longer', name='hostingkind', native_enum=False, length=32), nullable=False),
    sa.Column('beds', sa.SmallInteger(), nullable=False),
    sa.Column('takes_families', sa.Boolean(), nullable=False),
    sa.Column('takes_children_under_10', sa.Boolean(), nullable=False),
    sa.Column('takes_minors_alone', sa.Boolean(), nullable=False),
    sa.Column('agreement_signed_on', sa.Date(), nullable=True),
    sa.Column('offered_publicly', sa.Boolean(), nullable=False),
    sa.Column('calendar_nonce', sa.String(length=32), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('beds BETWEEN 1 AND 30', name=op.f('ck_hosts_host_beds_in_range')),
    sa.ForeignKeyConstraint(['team_id'], ['teams.id'], name=op.f('fk_hosts_team_id_teams')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_hosts'))
    )
    with op.batch_alter_table('hosts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_hosts_team_id'), ['team_id'], unique=False)

    op.create_table('host_nights',
    sa.Column('host_id', sa.Integer(), nullable=False),
    sa.Column('night', sa.Date(), nullable=False),
    sa.ForeignKeyConstraint(['host_id'], ['hosts.id'], name=op.f('fk_host_nights_host_id_hosts'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('host_id', 'night', name=op.f('pk_host_nights'))
    )
    with op.batch_alter_table('host_nights', schema=None) as batch_op:
        batch_op.create_index('ix_host_nights_night', ['night'], unique=False)

    op.create_table('hosting_runs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('board_id', sa.Integer(), nullable=False),
    sa.Column('trip_id', sa.Integer(), nullable=False),
    sa.Column('booked_by_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['board_id'], ['hosting_boards.id'], name=op.f('fk_hosting_runs_board_id_hosting_boards')),
    sa.ForeignKeyConstraint(['booked_by_id'], ['users.id'], name=op.f('fk_hosting_runs_booked_by_id_users')),
    sa.ForeignKeyConstraint(['trip_id'], ['trips.id'], name=op.f('fk_hosting_runs_trip_id_trips')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_hosting_runs')),
    sa.UniqueConstraint('trip_id', name=op.f('uq_hosting_runs_trip_id'))
    )
    with op.batch_alter_table('hosting_runs', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_hosting_runs_board_id'), ['board_id'], unique=False)

    op.create_table('placements',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('team_id', sa.Integer(), nullable=False),
    sa.Column('host_id', sa.Integer(), nullable=False),
    sa.Column('starts_on', sa.Date(), nullable=False),
    sa.Column('ends_on', sa.Date(), nullable=False),
    sa.Column('adults', sa.SmallInteger(), nullable=False),
    sa.Column('minors', sa.SmallInteger(), nullable=False),
    sa.Column('children_under_10', sa.SmallInteger(), nullable=False),
    sa.Column('family', sa.Boolean(), nullable=False),
    sa.Column('note', sa.String(length=200), nullable=False),
    sa.Column('recorded_by_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('adults + minors + children_under_10 > 0', name=op.f('ck_placements_placement_not_empty')),
    sa.CheckConstraint('adults >= 0 AND minors >= 0 AND children_under_10 >= 0', name=op.f('ck_placements_placement_counts_positive')),
    sa.CheckConstraint('ends_on > starts_on', name=op.f('ck_placements_placement_ends_after_start')),
    sa.ForeignKeyConstraint(['host_id'], ['hosts.id'], name=op.f('fk_placements_host_id_hosts')),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['users.id'], name=op.f('fk_placements_recorded_by_id_users')),
    sa.ForeignKeyConstraint(['team_id'], ['teams.id'], name=op.f('fk_placements_team_id_teams')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_placements'))
    )
    with op.batch_alter_table('placements', schema=None) as batch_op:
        batch_op.create_index('ix_placements_dates', ['starts_on', 'ends_on'], unique=False)
        batch_op.create_index(batch_op.f('ix_placements_host_id'), ['host_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_placements_team_id'), ['team_id'], unique=False)

    op.create_table('hosting_groups',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('board_id', sa.Integer(), nullable=False),
    sa.Column('adults', sa.SmallInteger(), nullable=False),
    sa.Column('minors', sa.SmallInteger(), nullable=False),
    sa.Column('children_under_10', sa.SmallInteger(), nullable=False),
    sa.Column('family', sa.Boolean(), nullable=False),
    sa.Column('note', sa.String(length=200), nullable=False),
    sa.Column('host_id', sa.Integer(), nullable=True),
    sa.Column('run_id', sa.Integer(), nullable=True),
    sa.Column('recorded_by_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('placed_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint('adults + minors + children_under_10 > 0', name=op.f('ck_hosting_groups_group_not_empty')),
    sa.CheckConstraint('adults >= 0 AND minors >= 0 AND children_under_10 >= 0', name=op.f('ck_hosting_groups_group_counts_positive')),
    sa.ForeignKeyConstraint(['board_id'], ['hosting_boards.id'], name=op.f('fk_hosting_groups_board_id_hosting_boards')),
    sa.ForeignKeyConstraint(['host_id'], ['hosts.id'], name=op.f('fk_hosting_groups_host_id_hosts')),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['users.id'], name=op.f('fk_hosting_groups_recorded_by_id_users')),
    sa.ForeignKeyConstraint(['run_id'], ['hosting_runs.id'], name=op.f('fk_hosting_groups_run_id_hosting_runs')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_hosting_groups'))
    )
    with op.batch_alter_table('hosting_groups', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_hosting_groups_board_id'), ['board_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_hosting_groups_host_id'), ['host_id'], unique=False)



def downgrade():
    with op.batch_alter_table('hosting_groups', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_hosting_groups_host_id'))
        batch_op.drop_index(batch_op.f('ix_hosting_groups_board_id'))

    op.drop_table('hosting_groups')
    with op.batch_alter_table('placements', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_placements_team_id'))
        batch_op.drop_index(batch_op.f('ix_placements_host_id'))
        batch_op.drop_index('ix_placements_dates')

    op.drop_table('placements')
    with op.batch_alter_table('hosting_runs', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_hosting_runs_board_id'))

    op.drop_table('hosting_runs')
    with op.batch_alter_table('host_nights', schema=None) as batch_op:
        batch_op.drop_index('ix_host_nights_night')

    op.drop_table('host_nights')
    with op.batch_alter_table('hosts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_hosts_team_id'))

    op.drop_table('hosts')
    op.drop_table('hosting_boards')
