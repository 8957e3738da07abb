import click

from app.extensions import db
from inventory.ledger import find_drift


@click.command("check-ledger")
def check_ledger() -> None:
    """Recompute every balance from its movements; exit 1 on any drift."""
    drifts = find_drift(db.session)
    for drift in drifts:
        click.echo(
            f"site {drift.site_id} stock item {drift.stock_item_id}: balance {drift.balance}, "
            f"movements add up to {drift.sum_of_movements}"
        )
    if drifts:
        raise click.ClickException(f"{len(drifts)} balance(s) drifted from the ledger.")
    click.echo("Ledger is consistent: every balance equals the sum of its movements.")
