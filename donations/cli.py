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
    sent = 0
    for receipt in pending:
        if receipts.email_to_donor(receipt):
            db.session.commit()
            sent += 1
    click.echo(f"Sent {sent} of {len(pending)} receipt(s).")
    if sent < len(pending):
        raise click.ClickException("Some receipts could not be emailed: see the log.")


@receipts_cli.command("annual")
@click.argument("year", type=click.IntRange(2000, 9999))
@click.option("--batch", default=500, show_default=True, help="Receipts per transaction.")
def annual(year: int, batch: int) -> None:
    """Issue and email the yearly summary receipts of monthly donors for YEAR.

    Safe to run again: a gift already on a receipt is never put on another."""
    due = receipts.count_donors_due(db.session, year)
    issued = 0
    with click.progressbar(length=due, label=f"Yearly receipts {year}") as progress:
        while batch_issued := receipts.issue_yearly_receipts(db.session, year, limit=batch):
            db.session.commit()
            for receipt in batch_issued:
                if receipts.email_to_donor(receipt):
                    db.session.commit()
            issued += len(batch_issued)
            progress.update(len(batch_issued))
    click.echo(f"Issued {issued} yearly receipt(s) for {year}.")
