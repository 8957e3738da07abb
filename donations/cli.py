"""`flask receipts ...`: the treasurer's commands for tax receipts."""

import click
from flask.cli import AppGroup
from sqlalchemy import select

from app.extensions import db
from donations import receipts
from donations.models import Donor, Receipt

receipts_cli = AppGroup("receipts", help="Tax receipts.")


@receipts_cli.command("send-pending")
def send_pending() -> None:
    """Email every valid receipt that could not be emailed when it was issued."""
    pending = db.session.scalars(
        select(Receipt)
        .join(Donor, Receipt.donor_id == Donor.id)
        .where(
            Receipt.emailed_at.is_(None),
            Receipt.cancelled_at.is_(None),
            Donor.email.is_not(None),
        )
        .order_by(Receipt.id)
    ).all()
    for receipt in pending:
        assert receipt.donor is not None and receipt.donor.email
        receipts.email_receipt(receipt, email=receipt.donor.email, locale=receipt.donor.locale)
        db.session.commit()
    click.echo(f"Sent {len(pending)} receipt(s).")
