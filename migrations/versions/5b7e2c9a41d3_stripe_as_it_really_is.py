"""Charges of donations, receipts awaiting the donor's details

Revision ID: 5b7e2c9a41d3
Revises: e2edab9345fa
Create Date: 2026-12-06 08:10:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '5b7e2c9a41d3'
down_revision = 'e2edab9345fa'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('donations', schema=None) as batch_op:
        batch_op.add_column(sa.Column('charge_id', sa.String(length=64), nullable=True))
        batch_op.add_column(
            sa.Column('awaiting_details', sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch_op.create_unique_constraint(batch_op.f('uq_donations_charge_id'), ['charge_id'])
        batch_op.create_index(
            batch_op.f('ix_donations_awaiting_details'), ['awaiting_details'], unique=False
        )

    with op.batch_alter_table('donors', schema=None) as batch_op:
        batch_op.add_column(sa.Column('details_requested_at', sa.DateTime(timezone=True), nullable=True))


def downgrade():
    with op.batch_alter_table('donors', schema=None) as batch_op:
        batch_op.drop_column('details_requested_at')

    with op.batch_alter_table('donations', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_donations_awaiting_details'))
        batch_op.drop_constraint(batch_op.f('uq_donations_charge_id'), type_='unique')
        batch_op.drop_column('awaiting_details')
        batch_op.drop_column('charge_id')
