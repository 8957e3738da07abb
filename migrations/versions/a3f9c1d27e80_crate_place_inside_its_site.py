"""A crate's place inside its site

Revision ID: a3f9c1d27e80
Revises: 5c7e2a9d41f3
Create Date: 2026-12-06 08:45:00.000000

"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "a3f9c1d27e80"
down_revision = "5c7e2a9d41f3"
branch_labels = None
depends_on = None


def upgrade():
    # A plain ALTER TABLE ADD COLUMN, in place on SQLite and PostgreSQL: a nullable column
    # needs no copy of the crates table.
    op.add_column("crates", sa.Column("place", sa.String(length=60), nullable=True))


def downgrade():
    op.drop_column("crates", "place")  # SQLite 3.35 and later drop it in place
