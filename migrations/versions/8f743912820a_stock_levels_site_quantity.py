"""stock levels: count a site's stock from an index

Revision ID: 8f743912820a
Revises: e05ee7548112
Create Date: 2026-11-25 22:00:00.000000

"""

from alembic import op

# revision identifiers, used by Alembic.
revision = "8f743912820a"
down_revision = "e05ee7548112"
branch_labels = None
depends_on = None


def upgrade():
    # A site's stock page counts its non-zero balances: from this index alone (an
    # index-only scan), not from table rows scattered over hundreds of pages.
    with op.batch_alter_table("stock_levels", schema=None) as batch_op:
        batch_op.create_index(
            "ix_stock_levels_site_quantity", ["site_id", "quantity"], unique=False
        )


def downgrade():
    with op.batch_alter_table("stock_levels", schema=None) as batch_op:
        batch_op.drop_index("ix_stock_levels_site_quantity")
