"""Tax receipts: numbering, issuing and cancelling them, one gift's or a monthly donor's
year. What a receipt prints is donations.receipt_document; its email,
donations.receipt_mail.

Numbers are `YEAR-NNNNNN`, sequential per year with no gap: taken in the receipt's own
transaction from a per-year counter row that stays locked until it commits, so a
rolled-back receipt gives its number back and two receipts never share one."""

from collections import Counter
from datetime import date, datetime

from sqlalchemy import Select, bindparam, func, select
from sqlalchemy.orm import selectinload

from app.clock import local_day, paris_midnight, utcnow
from app.extensions import Session
from app.models import built_per_database, for_database
from donations.models import (
    INCOME_STATUSES,
    Donation,
    Donor,
    Frequency,
    Receipt,
    ReceiptCounter,
    ReceiptKind,
)

counters = ReceiptCounter.__table__
ALLOCATE_NUMBERS = built_per_database(
    lambda insert: (
        insert(counters)
        .values(year=bindparam("year"), last_sequence=bindparam("count"))
        .on_conflict_do_update(
            index_elements=[counters.c.year],
            set_={"last_sequence": counters.c.last_sequence + bindparam("count")},
        )
        .returning(counters.c.last_sequence)
    )
)
# What a receipt cannot go without: the donor's name and postal address.
DETAILS_ON_RECEIPT = (Donor.name, Donor.address_line1, Donor.postcode, Donor.city)


def allocate_receipt_numbers(session: Session, year: int, count: int = 1) -> list[str]:
    """The next `count` numbers of `year`: the only place receipt numbers come from."""
    statement = for_database(session, ALLOCATE_NUMBERS)
    last = session.execute(statement, {"year": year, "count": count}).scalar_one()
    return [f"{year}-{sequence:06d}" for sequence in range(last - count + 1, last + 1)]


def needs_single_receipt(donation: Donation, *, yearly_summary: bool) -> bool:
    """A gift just paid gets its receipt at once, unless the donor wants none, or gives
    monthly and chose one yearly summary instead (`yearly_summary`, the donor's choice)."""
    if not donation.wants_receipt or donation.receipt_id is not None:
        return False
    return not (donation.frequency == Frequency.MONTHLY and yearly_summary)


def new_receipt(
    number: str,
    donations: list[Donation],
    *,
    donor_id: int | None,
    donor_name: str,
    donor_address: str,
    kind: ReceiptKind,
    gift_date: date | None = None,
    period: tuple[date, date] | None = None,
    replaces: Receipt | None = None,
) -> Receipt:
    """A receipt for what these donations kept, to this name and address: both stay as
    printed whatever happens to the donor later."""
    methods = Counter(donation.payment_method for donation in donations)
    year, sequence = (int(part) for part in number.split("-"))
    receipt = Receipt(
        number=number,
        year=year,
        sequence=sequence,
        kind=kind,
        donor_id=donor_id,
        donor_name=donor_name,
        donor_address=donor_address,
        amount_cents=sum(donation.kept_cents for donation in donations),
        gift_date=gift_date,
        period_start=period[0] if period else None,
        period_end=period[1] if period else None,
        payment_method=methods.most_common(1)[0][0],
        replaces=replaces,
        donations=donations,
    )
    for donation in donations:
        donation.receipt = receipt
    return receipt


def issue_single_receipt(
    session: Session,
    donation: Donation,
    *,
    donor_name: str,
    donor_address: str,
    issued_at: datetime | None = None,
) -> Receipt:
    """The receipt of one gift just paid, numbered now, to the name and address given
    for this gift (typed with it, or the donor's on file); dated `issued_at`, by default
    the present."""
    assert donation.paid_at is not None
    gift_date = local_day(donation.paid_at)
    (number,) = allocate_receipt_numbers(session, gift_date.year)
    receipt = new_receipt(
        number,
        [donation],
        donor_id=donation.donor_id,
        donor_name=donor_name,
        donor_address=donor_address,
        kind=ReceiptKind.SINGLE,
        gift_date=gift_date,
    )
    receipt.issued_at = issued_at or utcnow()
    session.add(receipt)
    session.flush()
    return receipt


def cancel_receipt(session: Session, receipt: Receipt, reason: str) -> None:
    """Kept, marked cancelled; its number is never given again."""
    if receipt.cancelled:
        return
    receipt.cancelled_at = utcnow()
    receipt.cancel_reason = reason[:200]
    for donation in receipt.donations:
        if donation.receipt_id == receipt.id:
            donation.receipt = None
    session.flush()


def reissue(session: Session, receipt: Receipt, reason: str) -> Receipt | None:
    """After a refund or a lost dispute: cancel the receipt, and issue one for what its
    gifts still keep (none when nothing is kept), to the same name and address. A
    yearly summary loses the gifts given back. The new receipt says which one it
    replaces."""
    kept = [donation for donation in receipt.donations if donation.counts_as_income]
    cancel_receipt(session, receipt, reason)
    if not kept:
        return None
    (number,) = allocate_receipt_numbers(session, receipt.year)
    period = None
    if receipt.period_start and receipt.period_end:
        period = (receipt.period_start, receipt.period_end)
    replacement = new_receipt(
        number,
        kept,
        donor_id=receipt.donor_id,
        donor_name=receipt.donor_name,
        donor_address=receipt.donor_address,
        kind=receipt.kind,
        gift_date=receipt.gift_date,
        period=period,
        replaces=receipt,
    )
    session.add(replacement)
    session.flush()
    return replacement


# --- yearly summaries for monthly donors ----------------------------------------------


def year_bounds(year: int) -> tuple[datetime, datetime]:
    """The calendar year in France, as UTC instants: [1 January, next 1 January)."""
    return paris_midnight(date(year, 1, 1)), paris_midnight(date(year + 1, 1, 1))


def due_for_yearly_receipt(year: int) -> Select[Donation]:
    """Paid monthly gifts of `year` on no receipt yet, of donors who chose one yearly
    summary and have a name and postal address on file (the others wait for theirs)."""
    start, end = year_bounds(year)
    return (
        select(Donation)
        .join(Donor, Donation.donor_id == Donor.id)
        .where(
            Donation.frequency == Frequency.MONTHLY,
            Donation.status.in_(INCOME_STATUSES),
            Donation.receipt_id.is_(None),
            Donation.wants_receipt,
            Donation.paid_at >= start,
            Donation.paid_at < end,
            Donor.yearly_receipt,
            Donor.erased_at.is_(None),
            *(column != "" for column in DETAILS_ON_RECEIPT),
        )
    )


def count_donors_due(session: Session, year: int) -> int:
    donors = due_for_yearly_receipt(year).with_only_columns(Donation.donor_id).distinct()
    return session.scalar(select(func.count()).select_from(donors.subquery())) or 0


def issue_yearly_receipts(session: Session, year: int, *, limit: int) -> list[Receipt]:
    """One summary receipt for each of the next `limit` donors due one. Their gifts are
    locked and checked again, so two runs at once never put a gift on two receipts."""
    donor_ids = session.scalars(
        due_for_yearly_receipt(year)
        .with_only_columns(Donation.donor_id)
        .distinct()
        .order_by(Donation.donor_id)
        .limit(limit)
    ).all()
    if not donor_ids:
        return []
    donations = session.scalars(
        due_for_yearly_receipt(year)
        .where(Donation.donor_id.in_(donor_ids))
        .order_by(Donation.donor_id, Donation.paid_at)
        .with_for_update(of=Donation)
        .options(selectinload(Donation.donor))  # in one query, not one per receipt
        .execution_options(populate_existing=True)
    ).all()
    by_donor: dict[int, list[Donation]] = {}
    for donation in donations:
        if donation.receipt_id is None and donation.donor_id is not None:
            by_donor.setdefault(donation.donor_id, []).append(donation)
    if not by_donor:
        return []
    numbers = allocate_receipt_numbers(session, year, len(by_donor))
    period = (date(year, 1, 1), date(year, 12, 31))
    issued = []
    for number, gifts in zip(numbers, by_donor.values(), strict=True):
        donor = gifts[0].donor
        assert donor is not None
        issued.append(
            new_receipt(
                number,
                gifts,
                donor_id=donor.id,
                donor_name=donor.name,
                donor_address=donor.postal_address(),
                kind=ReceiptKind.YEARLY,
                period=period,
            )
        )
    session.add_all(issued)
    session.flush()
    return issued


def get_receipt(session: Session, number: str) -> Receipt | None:
    return session.scalar(select(Receipt).where(Receipt.number == number))
