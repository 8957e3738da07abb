"""Funds that pay for fuel, and batches of blank labels

Revision ID: 5c7e2a9d41f3
Revises: 5b7e2c9a41d3
Create Date: 2026-12-06 08:20:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '5c7e2a9d41f3'
down_revision = '5b7e2c9a41d3'
branch_labels = None
depends_on = None

# Gifts for fuel, and for the vans, may pay for a fill-up; never those for housing.
FUEL_FUNDS = ("fuel", "vehicles")


def upgrade():
    op.create_table('label_batches',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('codes', sa.Text(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_label_batches_created_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_label_batches'))
    )
    # A plain ALTER TABLE ADD COLUMN: a batch would copy the table on SQLite, and dropping
    # the old funds table fails while donations and gift items point at it.
    op.add_column(
        'funds',
        sa.Column('pays_for_fuel', sa.Boolean(), nullable=False, server_default=sa.false()),
    )
    funds = sa.table('funds', sa.column('code', sa.String), sa.column('pays_for_fuel', sa.Boolean))
    op.execute(funds.update().where(funds.c.code.in_(FUEL_FUNDS)).values(pays_for_fuel=True))


def downgrade():
    op.drop_table('label_batches')
    op.drop_column('funds', 'pays_for_fuel')  # SQLite 3.35 and later drop it in place
