"""Receipt numbers, what a receipt says, its public verification, and the tax rules."""

import io
from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Any

import pypdfium2
import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from app.clock import utcnow
from donations import receipt_document, receipts, services, tax
from donations.models import (
    Donation,
    DonationStatus,
    Frequency,
    Gateway,
    PaymentMethod,
    Receipt,
)
from tests.donations.conftest import give_form


@pytest.fixture
def paid_donation(db_session: Any, fund: Callable[[str], Any]) -> Callable[..., Donation]:
    """A paid gift of `cents` on `paid_at`, by a donor who wants a receipt."""

    def make(cents: int = 5000, paid_at: datetime | None = None) -> Donation:
        donation = Donation(
            fund=fund("general"),
            frequency=Frequency.ONCE,
            amount_cents=cents,
            gateway=Gateway.DEMO,
            contact_email="marc.leroy@example.org",
            contact_name="Marc Leroy",
            contact_address_line1="8 quai de la Loire",
            contact_postcode="75019",
            contact_city="Paris",
        )
        db_session.add(donation)
        db_session.flush()
        payment = services.Payment(paid_at=paid_at or utcnow(), method=PaymentMethod.CARD)
        services.fulfil_donation(db_session, donation, payment)
        db_session.commit()
        return donation

    return make


def test_numbers_follow_each_other_within_a_year_and_restart_each_year(
    db_session: Any, paid_donation: Callable[..., Donation]
) -> None:
    numbers = [
        paid_donation(paid_at=datetime(2031, 3, day, 12, tzinfo=UTC)).receipt.number
        for day in (1, 2, 3)
    ]
    assert numbers == ["2031-000001", "2031-000002", "2031-000003"]
    assert paid_donation(paid_at=datetime(2032, 1, 5, tzinfo=UTC)).receipt.number == "2032-000001"


def test_the_year_is_that_of_the_payment_in_france(
    paid_donation: Callable[..., Donation],
) -> None:
    new_year_in_paris = datetime(2033, 12, 31, 23, 30, tzinfo=UTC)  # 00:30 on 1 January
    receipt = paid_donation(paid_at=new_year_in_paris).receipt
    assert receipt.number.startswith("2034-") and receipt.gift_date == date(2034, 1, 1)


def test_a_receipt_rolled_back_gives_its_number_back(
    db_session: Any, paid_donation: Callable[..., Donation]
) -> None:
    first = paid_donation(paid_at=datetime(2035, 6, 1, tzinfo=UTC)).receipt.number
    with db_session.begin_nested() as savepoint:
        receipts.allocate_receipt_numbers(db_session, 2035)
        savepoint.rollback()
    second = paid_donation(paid_at=datetime(2035, 6, 2, tzinfo=UTC)).receipt.number
    assert (first, second) == ("2035-000001", "2035-000002")


def pdf_text(pdf: bytes) -> str:
    document = pypdfium2.PdfDocument(io.BytesIO(pdf))
    return "\n".join(page.get_textpage().get_text_range() for page in document)


def test_the_pdf_carries_every_mention_of_the_cerfa_model(
    app: Flask, paid_donation: Callable[..., Donation]
) -> None:
    receipt = paid_donation(cents=5020, paid_at=datetime(2036, 12, 12, 10, tzinfo=UTC)).receipt
    text = " ".join(pdf_text(receipt_document.receipt_pdf(receipt)).split())
    config = app.config
    for mention in (
        config["ORGANISATION_NAME"],
        "12 rue des Fontinettes",
        config["ORGANISATION_OBJECT"],
        config["ORGANISATION_REGISTRATION"],
        receipt.number,
        "Marc Leroy",
        "8 quai de la Loire",
        "75019 Paris",
        "50,20",
        "cinquante euros et vingt centimes",
        "12/12/2036",
        "Numéraire",
        "don manuel",
        "Carte bancaire",
        "article 200",
        config["RECEIPT_SIGNATORY_NAME"],
        config["RECEIPT_SIGNATORY_ROLE"],
    ):
        assert mention in text, mention
    assert "DUPLICATA" not in text
    assert "DUPLICATA" in pdf_text(receipt_document.receipt_pdf(receipt, duplicate=True))


def test_the_verification_page_shows_the_receipt_with_the_name_masked(
    client: FlaskClient, paid_donation: Callable[..., Donation]
) -> None:
    receipt = paid_donation(cents=5000).receipt
    url = receipt_document.verification_url(receipt).removeprefix("https://relais.test")
    page = client.get(url).get_data(as_text=True)
    assert "This receipt is valid." in page and "€50.00" in page
    assert "M*** L****" in page and "Marc" not in page


def test_the_verification_page_needs_the_key_printed_with_the_number(
    client: FlaskClient, paid_donation: Callable[..., Donation]
) -> None:
    receipt = paid_donation().receipt
    response = client.get(f"/donations/receipts/{receipt.number}/verify?k=guessed")
    assert response.status_code == 404 and "Marc" not in response.get_data(as_text=True)


def test_the_thank_you_page_follows_the_payment_while_it_is_pending(
    client: FlaskClient, db_session: Any
) -> None:
    client.post("/donations/", data=give_form())
    donation = db_session.scalars(select(Donation)).one()
    fragment = client.get(
        f"/donations/thanks/{donation.public_id}", headers={"HX-Request": "true"}
    ).get_data(as_text=True)
    assert 'hx-trigger="every 3s"' in fragment and "waiting for the bank" in fragment
    assert donation.status == DonationStatus.PENDING


# --- the tax rules --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("cents", "on", "reduction"),
    [
        (5000, date(2026, 11, 25), 3750),  # 75 %
        (250000, date(2026, 11, 25), 150000 + 33000),  # 75 % of 2,000 EUR, 66 % above
        (150000, date(2025, 10, 13), 75000 + 33000),  # the ceiling was 1,000 EUR then
        (150000, date(2025, 10, 14), 112500),  # 2,000 EUR from 14 October 2025
    ],
)
def test_the_reduction_follows_the_rules_in_force_on_the_day(
    db_session: Any, cents: int, on: date, reduction: int
) -> None:
    assert tax.reduction_for(db_session, cents, on).reduction_cents == reduction


def test_gifts_already_made_this_year_count_towards_the_ceiling(db_session: Any) -> None:
    result = tax.reduction_for(db_session, 50000, date(2026, 6, 1), given_this_year_cents=180000)
    assert result.at_higher_rate_cents == 20000
    assert result.reduction_cents == 15000 + 19800


def test_the_explanation_page_shows_the_same_table(client: FlaskClient) -> None:
    page = client.get("/donations/tax-reduction").get_data(as_text=True)
    assert "€2,000.00 a year" in page and "loi de finances pour 2026" in page
    assert "€12.50" in page  # what 50 EUR costs, from the same rules


def test_a_receipt_is_only_issued_for_money_kept(
    db_session: Any, paid_donation: Callable[..., Donation]
) -> None:
    donation = paid_donation(cents=10000)
    first = donation.receipt
    donation.refunded_cents = 4000
    donation.status = DonationStatus.PARTIALLY_REFUNDED
    second = receipts.reissue(db_session, first, "partial refund")
    db_session.commit()
    assert first.cancelled and second is not None and second.replaces == first
    assert second.amount_cents == 6000 and second.number != first.number
    assert db_session.scalar(select(Receipt).where(Receipt.id == first.id)).amount_cents == 10000
