"""What a donor does on a phone: give 50 EUR for a tank of fuel through the demo gateway,
get the receipt by email and check it; then the treasurer finds it in the register."""

import io
from datetime import UTC, date, datetime
from email import message_from_bytes, policy
from pathlib import Path
from typing import Any

import pypdfium2
import pytest
import zxingcpp
from flask import Flask
from playwright.sync_api import expect

from app.extensions import db
from app.models import Role, User
from donations import services
from donations.models import Donation, Frequency, Fund, Gateway, GiftItem, PaymentMethod
from tests.conftest import PASSWORD
from tests.e2e.conftest import follow_menu, numbers, sign_in

LAST_YEAR = date.today().year - 1


@pytest.fixture
def fuel_tank(live_app: Flask) -> dict[str, str]:
    """A 50 EUR gift item for the fuel fund, and a treasurer."""
    number = next(numbers)
    with live_app.app_context():
        fuel = db.session.query(Fund).filter_by(code="fuel").one()
        item = GiftItem(
            slug=f"tank-{number}",
            fund=fuel,
            title_fr=f"Un plein pour le van {number}",
            title_en=f"A full tank for van {number}",
            text_en="50 EUR fills the tank of the distribution van.",
            amount_cents=5000,
        )
        treasurer = User(email=f"treasurer{number}@relais.test", role=Role.TREASURER)
        treasurer.set_password(PASSWORD)
        db.session.add_all([item, treasurer])
        db.session.commit()
        names = {"title": item.title_en, "treasurer": treasurer.email}
        db.session.remove()
    return names


def emails_in(outbox: Path) -> set[Path]:
    return set(outbox.glob("*.eml")) if outbox.exists() else set()


def receipt_attachment(eml: Path) -> tuple[str, bytes]:
    message = message_from_bytes(eml.read_bytes(), policy=policy.default)
    (attachment,) = list(message.iter_attachments())
    return message["Subject"], attachment.get_content()


def qr_url_and_text(pdf: bytes) -> tuple[str, str]:
    page = pypdfium2.PdfDocument(io.BytesIO(pdf))[0]
    (code,) = zxingcpp.read_barcodes(page.render(scale=3).to_pil())
    return code.text, page.get_textpage().get_text_range()


def test_a_donor_gives_for_fuel_and_the_treasurer_sees_the_receipt(
    phone: Any, live_server: str, live_app: Flask, fuel_tank: dict[str, str]
) -> None:
    outbox = Path(live_app.instance_path) / "outbox"
    before = emails_in(outbox)
    page = phone()
    page.goto(f"{live_server}/donations/")
    page.get_by_text(fuel_tank["title"]).click()
    page.get_by_label("Email").fill("jeanne.dupont@example.org")
    page.get_by_label("First name and surname").fill("Jeanne Dupont")
    page.get_by_role("textbox", name="Address", exact=True).fill("3 rue des Lilas")
    page.get_by_label("Postcode").fill("59000")
    page.get_by_label("City").fill("Lille")
    page.get_by_role("button", name="Give", exact=True).click()

    page.wait_for_url("**/donations/demo-checkout/**")
    assert "No money moves" in page.content()
    page.get_by_role("button", name="Pay (demo)").click()
    page.wait_for_url("**/donations/thanks/**")
    assert "Your gift of €50.00 has arrived." in page.inner_text("main")

    (eml,) = emails_in(outbox) - before
    subject, pdf = receipt_attachment(eml)
    number = subject.split()[-1]
    verify_url, text = qr_url_and_text(pdf)
    assert number in text and "cinquante euros" in text and "Jeanne Dupont" in text
    page.goto(verify_url)
    assert "This receipt is valid." in page.inner_text("main")
    assert "J***** D*****" in page.inner_text("main")

    treasurer = phone()
    sign_in(treasurer, live_server, fuel_tank["treasurer"])
    follow_menu(treasurer, "Donations")
    treasurer.get_by_role("link", name="Register of receipts").click()
    row = treasurer.get_by_role("row").filter(has_text=number)
    assert "Jeanne Dupont" in row.inner_text() and "€50.00" in row.inner_text()
    assert page.problems == [] and treasurer.problems == []


def test_a_refused_amount_is_what_the_phone_shows_after_the_submit(
    phone: Any, live_server: str
) -> None:
    page = phone()
    page.goto(f"{live_server}/donations/")
    page.get_by_label("Amount in euros").fill("2")
    page.get_by_label("Email").fill("jeanne.dupont@example.org")
    page.get_by_label("First name and surname").fill("Jeanne Dupont")
    page.get_by_role("textbox", name="Address", exact=True).fill("3 rue des Lilas")
    page.get_by_label("Postcode").fill("59000")
    page.get_by_label("City").fill("Lille")
    page.get_by_role("button", name="Give", exact=True).click()

    summary = page.get_by_role("alert").filter(has_text="A gift is between 5 and 10 000 euros.")
    expect(summary).to_be_focused()
    expect(summary).to_be_in_viewport()
    amount = page.get_by_label("Amount in euros")
    expect(amount).to_have_attribute("aria-invalid", "true")
    expect(amount).to_have_accessible_description("A gift is between 5 and 10 000 euros.")
    summary.get_by_role("link").click()
    expect(amount).to_be_focused()
    expect(amount).to_be_in_viewport()
    assert page.problems == []


@pytest.fixture
def monthly_donor(live_app: Flask) -> None:
    """A monthly donor who gave 15 EUR in each of the first three months of last year."""
    with live_app.app_context():
        fund = db.session.query(Fund).filter_by(code="general").one()
        for month in (1, 2, 3):
            donation = Donation(
                fund=fund,
                frequency=Frequency.MONTHLY,
                amount_cents=1500,
                gateway=Gateway.DEMO,
                contact_email="amina.benali@example.org",
                contact_name="Amina Benali",
                contact_address_line1="12 rue de Paris",
                contact_postcode="62100",
                contact_city="Calais",
            )
            db.session.add(donation)
            db.session.flush()
            paid_at = datetime(LAST_YEAR, month, 5, 12, tzinfo=UTC)
            payment = services.Payment(paid_at=paid_at, method=PaymentMethod.CARD)
            services.fulfil_donation(db.session, donation, payment)
        db.session.commit()
        db.session.remove()


def test_the_treasurer_confirms_what_goes_out_before_the_yearly_receipts_are_issued(
    phone: Any, live_server: str, fuel_tank: dict[str, str], monthly_donor: None
) -> None:
    page = phone()
    sign_in(page, live_server, fuel_tank["treasurer"])
    page.goto(f"{live_server}/donations/register")
    page.get_by_role("link", name="Issue and email them").click()
    expect(page.get_by_text("€45.00 in all, will be issued")).to_be_visible()
    assert page.url == f"{live_server}/donations/register"  # swapped in by htmx
    page.get_by_role("button", name="Issue and email 1 receipt").click()
    expect(page.get_by_text("Done: 1 yearly receipt issued and emailed.")).to_be_visible()
    page.goto(f"{live_server}/donations/register?year={LAST_YEAR}")
    row = page.get_by_role("row").filter(has_text="Amina Benali")
    assert "€45.00" in row.inner_text() and "yearly" in row.inner_text()
    assert "No monthly donor is waiting for a yearly receipt." in page.inner_text("main")
    assert page.problems == []
