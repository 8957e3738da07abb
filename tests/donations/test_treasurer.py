"""The treasurer's pages, the register, yearly summary receipts and the donations API."""

import csv
import io
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from email.message import EmailMessage
from typing import Any

import pytest
from click.testing import Result
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from app import mail
from app.models import Role, User
from donations import services
from donations.models import (
    Donation,
    Donor,
    Frequency,
    Fund,
    Gateway,
    PaymentMethod,
    Receipt,
    ReceiptKind,
)

LAST_YEAR = date.today().year - 1


@pytest.fixture
def treasurer(login: Callable[[User], FlaskClient], make_user: Callable[..., User]) -> FlaskClient:
    return login(make_user(Role.TREASURER))


@pytest.fixture
def give(db_session: Any, fund: Callable[[str], Fund]) -> Callable[..., Donation]:
    """A paid gift, made through the same fulfilment as the webhook's."""

    def make(
        cents: int = 5000,
        *,
        email: str = "marc.leroy@example.org",
        name: str = "Marc Leroy",
        frequency: Frequency = Frequency.ONCE,
        fund_code: str = "general",
        paid_at: datetime | None = None,
    ) -> Donation:
        donation = Donation(
            fund=fund(fund_code),
            frequency=frequency,
            amount_cents=cents,
            gateway=Gateway.DEMO,
            contact_email=email,
            contact_name=name,
            contact_address_line1="8 quai de la Loire",
            contact_postcode="75019",
            contact_city="Paris",
        )
        db_session.add(donation)
        db_session.flush()
        payment = services.Payment(paid_at=paid_at or datetime.now(UTC), method=PaymentMethod.CARD)
        services.fulfil_donation(db_session, donation, payment)
        db_session.commit()
        return donation

    return make


def csv_rows(response: Any) -> list[list[str]]:
    return list(csv.reader(io.StringIO(response.get_data(as_text=True))))


def test_the_treasurer_sees_donations_with_totals_per_month_and_fund(
    treasurer: FlaskClient, give: Callable[..., Donation]
) -> None:
    give(5000, fund_code="fuel", paid_at=datetime(2036, 3, 10, 12, tzinfo=UTC))
    give(2000, fund_code="fuel", paid_at=datetime(2036, 3, 20, 12, tzinfo=UTC))
    give(30000, fund_code="general", paid_at=datetime(2036, 4, 2, 12, tzinfo=UTC))
    page = treasurer.get("/donations/manage").get_data(as_text=True)
    assert "3 donations" in page
    assert "March 2036" in page and "€70.00" in page and "April 2036" in page
    fuel_only = treasurer.get("/donations/manage?fund=fuel").get_data(as_text=True)
    assert "2 donations" in fuel_only and "€300.00" not in fuel_only


def test_the_totals_name_funds_and_months_in_the_readers_language(
    treasurer: FlaskClient, give: Callable[..., Donation]
) -> None:
    give(5000, fund_code="fuel", paid_at=datetime(2036, 3, 10, 12, tzinfo=UTC))
    page = treasurer.get("/donations/manage", headers={"Accept-Language": "fr"})
    html = page.get_data(as_text=True)
    assert "<td>Carburant</td>" in html and "<td>fuel</td>" not in html
    assert "<td>mars 2036</td>" in html and "2036-03" not in html


@pytest.mark.parametrize("start", ["yesterday", "0001-01-01"])
def test_a_bad_filter_is_a_clear_error(treasurer: FlaskClient, start: str) -> None:
    response = treasurer.get(f"/donations/manage?start={start}")
    assert response.status_code == 422
    assert f"“{start}” is not a date." in response.get_data(as_text=True)


def test_the_donations_export_is_a_csv_safe_for_spreadsheets(
    treasurer: FlaskClient, give: Callable[..., Donation]
) -> None:
    give(5000, name="=HYPERLINK(1)")
    rows = csv_rows(treasurer.get("/donations/manage.csv"))
    assert rows[0][0] == "Date" and len(rows) == 2
    assert rows[1][2] == "'=HYPERLINK(1)" and rows[1][7] == "50.00"


def test_fund_balances_show_the_money_kept(
    treasurer: FlaskClient, db_session: Any, give: Callable[..., Donation]
) -> None:
    give(5000, fund_code="fuel")
    refunded = give(3000, fund_code="fuel")
    services.record_refund(db_session, refunded, 1000)
    db_session.commit()
    page = treasurer.get("/donations/funds").get_data(as_text=True)
    assert "€70.00" in page


def test_the_register_counts_valid_receipts_and_cancelled_ones_apart(
    treasurer: FlaskClient, db_session: Any, give: Callable[..., Donation]
) -> None:
    give(5000, paid_at=datetime(2037, 5, 1, 12, tzinfo=UTC))
    refunded = give(2000, paid_at=datetime(2037, 5, 2, 12, tzinfo=UTC))
    services.record_refund(db_session, refunded, 2000)
    db_session.commit()
    page = treasurer.get("/donations/register?year=2037").get_data(as_text=True)
    assert "2037-000001" in page and "2037-000002" in page and "Cancelled" in page
    rows = csv_rows(treasurer.get("/donations/register/2037.csv"))
    assert [row[0] for row in rows[1:]] == ["2037-000001", "2037-000002"]
    assert rows[2][9] != ""  # cancelled on


def test_the_treasurer_downloads_a_duplicate(
    treasurer: FlaskClient, give: Callable[..., Donation]
) -> None:
    number = give().receipt.number
    response = treasurer.get(f"/donations/receipts/{number}.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert treasurer.get("/donations/receipts/1999-000001.pdf").status_code == 404


def test_the_treasurer_pages_and_exports_are_kept_out_of_caches(
    treasurer: FlaskClient,
    client: FlaskClient,
    api_token: Callable[[User], dict[str, str]],
    make_user: Callable[..., User],
    give: Callable[..., Donation],
) -> None:
    number = give().receipt.number
    year = number.split("-")[0]
    pages = [
        "/donations/manage",
        "/donations/manage.csv",
        "/donations/funds",
        "/donations/register",
        f"/donations/register/{year}.csv",
        f"/donations/receipts/{number}.pdf",
    ]
    for url in pages:
        response = treasurer.get(url)
        assert response.status_code == 200, url
        assert response.headers["Cache-Control"] == "private, no-store", url
    api = client.get("/api/v1/donations", headers=api_token(make_user(Role.TREASURER)))
    assert api.status_code == 200 and api.headers["Cache-Control"] == "private, no-store"
    public_page = treasurer.get("/donations/tax-reduction")
    assert "no-store" not in public_page.headers.get("Cache-Control", "")


def test_other_roles_cannot_see_the_money(
    login: Callable[[User], FlaskClient], make_user: Callable[..., User]
) -> None:
    for role in (Role.COORDINATOR, Role.VOLUNTEER):
        assert login(make_user(role)).get("/donations/manage").status_code == 403


# --- yearly summary receipts ----------------------------------------------------------


@pytest.fixture
def monthly_donors(give: Callable[..., Donation]) -> list[str]:
    """Two monthly donors with three and two paid months last year."""
    for month in (1, 2, 3):
        give(1500, frequency=Frequency.MONTHLY, paid_at=datetime(LAST_YEAR, month, 5, tzinfo=UTC))
    for month in (6, 7):
        give(
            1000,
            email="ines.garcia@example.org",
            name="Inès Garcia",
            frequency=Frequency.MONTHLY,
            paid_at=datetime(LAST_YEAR, month, 5, tzinfo=UTC),
        )
    return ["marc.leroy@example.org", "ines.garcia@example.org"]


def yearly(db_session: Any) -> list[Receipt]:
    return db_session.scalars(
        select(Receipt).where(Receipt.kind == ReceiptKind.YEARLY).order_by(Receipt.amount_cents)
    ).all()


def test_the_cli_issues_one_yearly_receipt_per_donor_and_can_run_again(
    app: Flask,
    db_session: Any,
    monthly_donors: list[str],
    outbox: Callable[[], list[EmailMessage]],
) -> None:
    runner = app.test_cli_runner()
    result: Result = runner.invoke(args=["receipts", "annual", str(LAST_YEAR)])
    assert result.exit_code == 0, result.output
    assert f"Issued 2 yearly receipt(s) for {LAST_YEAR}." in result.output
    again = runner.invoke(args=["receipts", "annual", str(LAST_YEAR)])
    assert "Issued 0 yearly receipt(s)" in again.output
    small, large = yearly(db_session)
    assert (small.amount_cents, large.amount_cents) == (2000, 4500)
    assert large.period_start == date(LAST_YEAR, 1, 1) and large.period_end == date(
        LAST_YEAR, 12, 31
    )
    assert len(large.donations) == 3 and large.gift_date is None
    assert len(outbox()) == 2


def test_the_cli_can_make_the_pdfs_and_emails_in_worker_processes(
    app: Flask,
    db_session: Any,
    monthly_donors: list[str],
    outbox: Callable[[], list[EmailMessage]],
) -> None:
    result = app.test_cli_runner().invoke(
        args=["receipts", "annual", str(LAST_YEAR), "--workers", "2", "--batch", "1"]
    )
    assert result.exit_code == 0, result.output
    assert f"Issued 2 yearly receipt(s) for {LAST_YEAR}." in result.output
    receipts = {receipt.number: receipt for receipt in yearly(db_session)}
    assert all(receipt.emailed_at is not None for receipt in receipts.values())
    sent = {}
    for message in outbox():
        (attachment,) = message.iter_attachments()
        number = attachment.get_filename().removeprefix("recu-fiscal-").removesuffix(".pdf")
        assert attachment.get_content().startswith(b"%PDF-") and number in message["Subject"]
        sent[number] = message["To"]
    assert sent == {number: receipt.donor.email for number, receipt in receipts.items()}


def test_a_receipt_the_cli_could_not_email_is_left_for_send_pending(
    app: Flask,
    db_session: Any,
    monthly_donors: list[str],
    outbox: Callable[[], list[EmailMessage]],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    write = mail.write_bytes_to_outbox
    calls = []

    def first_fails(data: bytes, message_id: str) -> Any:
        calls.append(message_id)
        if len(calls) == 1:
            raise ConnectionRefusedError("the mail server is down")
        return write(data, message_id)

    monkeypatch.setattr(mail, "write_bytes_to_outbox", first_fails)
    runner = app.test_cli_runner()
    result = runner.invoke(args=["receipts", "annual", str(LAST_YEAR)])
    assert result.exit_code == 0, result.output
    assert "1 of them could not be emailed" in result.output
    assert sorted(receipt.emailed_at is None for receipt in yearly(db_session)) == [False, True]
    assert len(outbox()) == 1
    pending = runner.invoke(args=["receipts", "send-pending"])
    assert "Sent 1 of 1 receipt(s)." in pending.output
    assert all(receipt.emailed_at is not None for receipt in yearly(db_session))
    assert len(outbox()) == 2


def test_a_watching_sender_emails_receipts_held_back_and_leaves_new_ones(
    app: Flask,
    db_session: Any,
    give: Callable[..., Donation],
    outbox: Callable[[], list[EmailMessage]],
) -> None:
    held = give(5000, email="held@example.org")
    fresh = give(3000, email="fresh@example.org")
    held.receipt.issued_at = datetime.now(UTC) - timedelta(minutes=10)
    db_session.commit()
    runner = app.test_cli_runner()
    result = runner.invoke(args=["receipts", "send-pending", "--watch", "5", "--passes", "1"])
    assert result.exit_code == 0, result.output
    assert "Sent 1 of 1 receipt(s) held back." in result.output
    assert [message["To"] for message in outbox()] == ["held@example.org"]
    db_session.expire_all()
    assert held.receipt.emailed_at is not None
    assert fresh.receipt.emailed_at is None
    again = runner.invoke(args=["receipts", "send-pending", "--watch", "5", "--passes", "1"])
    assert again.exit_code == 0 and again.output == ""
    assert len(outbox()) == 1


def test_a_receipt_sender_waits_for_the_mail_server_to_come_back(
    app: Flask,
    db_session: Any,
    give: Callable[..., Donation],
    outbox: Callable[[], list[EmailMessage]],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(app.config, "RECEIPT_SENDER", True)
    gifts = [give(5000, email="a@example.org"), give(3000, email="b@example.org")]
    assert outbox() == []  # left to the sender
    write = mail.write_bytes_to_outbox

    def mail_server_down(data: bytes, message_id: str) -> Any:
        raise ConnectionRefusedError("the mail server is down")

    monkeypatch.setattr(mail, "write_bytes_to_outbox", mail_server_down)
    runner = app.test_cli_runner()
    watch = ["receipts", "send-pending", "--watch", "1", "--passes", "1"]
    down = runner.invoke(args=watch)
    assert down.exit_code == 0, down.output
    assert "Sent 0 of 2 receipt(s)." in down.output
    monkeypatch.setattr(mail, "write_bytes_to_outbox", write)
    back = runner.invoke(args=watch)
    assert "Sent 2 of 2 receipt(s)." in back.output
    assert sorted(message["To"] for message in outbox()) == ["a@example.org", "b@example.org"]
    db_session.expire_all()
    assert all(gift.receipt.emailed_at is not None for gift in gifts)


def test_watching_without_a_pause_is_refused(app: Flask) -> None:
    result = app.test_cli_runner().invoke(args=["receipts", "send-pending", "--watch", "0"])
    assert result.exit_code == 2
    assert "0 is not in the range x>=1" in result.output


def test_a_donor_who_wants_a_receipt_each_month_gets_one_at_once(
    db_session: Any, give: Callable[..., Donation]
) -> None:
    first = give(1500, frequency=Frequency.MONTHLY)
    assert first.receipt is None
    donor = db_session.scalars(select(Donor)).one()
    donor.yearly_receipt = False
    db_session.commit()
    assert give(1500, frequency=Frequency.MONTHLY).receipt is not None


def test_the_treasurer_button_shows_what_will_go_out_and_asks_to_confirm(
    treasurer: FlaskClient,
    db_session: Any,
    monthly_donors: list[str],
    outbox: Callable[[], list[EmailMessage]],
) -> None:
    page = treasurer.get("/donations/register").get_data(as_text=True)
    assert "2 donors are due a yearly receipt." in page
    confirm = treasurer.get(f"/donations/register/{LAST_YEAR}/yearly")
    text = confirm.get_data(as_text=True)
    assert confirm.status_code == 200
    assert f"2 yearly receipts for {LAST_YEAR}, €65.00 in all, will be issued and emailed" in text
    assert "Issue and email 2 receipts" in text and 'name="confirm" value="yes"' in text
    assert yearly(db_session) == [] and outbox() == []
    issued = treasurer.post(f"/donations/register/{LAST_YEAR}/yearly", data={"confirm": "yes"})
    assert issued.status_code == 303
    assert [receipt.amount_cents for receipt in yearly(db_session)] == [2000, 4500]
    assert len(outbox()) == 2


def test_pressing_without_confirming_issues_nothing(
    treasurer: FlaskClient, db_session: Any, monthly_donors: list[str]
) -> None:
    url = f"/donations/register/{LAST_YEAR}/yearly"
    without_js = treasurer.post(url)
    assert without_js.status_code == 303 and without_js.headers["Location"] == url
    fragment = treasurer.post(url, headers={"HX-Request": "true"}).get_data(as_text=True)
    assert "€65.00 in all" in fragment and "<html" not in fragment
    assert yearly(db_session) == []


def test_a_refund_is_left_out_of_the_total_to_confirm(
    treasurer: FlaskClient, db_session: Any, monthly_donors: list[str]
) -> None:
    month = db_session.scalars(select(Donation).where(Donation.amount_cents == 1500)).first()
    services.record_refund(db_session, month, 500)
    db_session.commit()
    text = treasurer.get(f"/donations/register/{LAST_YEAR}/yearly").get_data(as_text=True)
    assert "€60.00 in all" in text


def test_a_replayed_confirmation_issues_and_emails_nothing_twice(
    treasurer: FlaskClient,
    db_session: Any,
    monthly_donors: list[str],
    outbox: Callable[[], list[EmailMessage]],
) -> None:
    url = f"/donations/register/{LAST_YEAR}/yearly"
    fragment = treasurer.post(
        url, data={"confirm": "yes"}, headers={"HX-Request": "true"}
    ).get_data(as_text=True)
    assert "<progress" in fragment and "Done: 2 yearly receipts issued and emailed." in fragment
    again = treasurer.post(url, data={"confirm": "yes"})
    assert again.status_code == 303 and len(yearly(db_session)) == 2 and len(outbox()) == 2
    register = treasurer.get("/donations/register").get_data(as_text=True)
    assert "0 yearly receipts issued." in register
    assert "No monthly donor is waiting for a yearly receipt." in register
    confirm = treasurer.get(url).get_data(as_text=True)
    assert "No monthly donor is waiting for a yearly receipt." in confirm


def test_the_batches_go_on_under_the_same_confirmation(
    treasurer: FlaskClient,
    db_session: Any,
    monthly_donors: list[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr("donations.views.treasurer.YEARLY_BATCH", 1)
    url = f"/donations/register/{LAST_YEAR}/yearly"
    fragment = treasurer.post(
        url, data={"confirm": "yes"}, headers={"HX-Request": "true"}
    ).get_data(as_text=True)
    assert "1 receipts issued, 1 to go" in fragment
    assert """hx-vals='{"confirm": "yes"}'""" in fragment and len(yearly(db_session)) == 1


def test_yearly_receipts_are_not_issued_for_a_future_year(treasurer: FlaskClient) -> None:
    future = date.today().year + 1
    assert treasurer.get(f"/donations/register/{future}/yearly").status_code == 422
    response = treasurer.post(f"/donations/register/{future}/yearly", data={"confirm": "yes"})
    assert response.status_code == 422


def test_a_refund_of_one_month_reissues_the_yearly_receipt(
    app: Flask, db_session: Any, monthly_donors: list[str]
) -> None:
    app.test_cli_runner().invoke(args=["receipts", "annual", str(LAST_YEAR)])
    _small, large = yearly(db_session)
    refunded = large.donations[0]
    (replacement_id,) = services.record_refund(
        db_session, refunded, refunded.amount_cents
    ).receipt_ids
    db_session.commit()
    replacement = db_session.get(Receipt, replacement_id)
    assert large.cancelled and replacement is not None
    assert replacement.amount_cents == 3000 and replacement.replaces == large
    assert replacement.kind == ReceiptKind.YEARLY and replacement.period_start == date(
        LAST_YEAR, 1, 1
    )


# --- the API --------------------------------------------------------------------------


def test_the_api_lists_donations_with_a_receipt_url_that_returns_the_pdf(
    client: FlaskClient,
    api_token: Callable[[User], dict[str, str]],
    make_user: Callable[..., User],
    give: Callable[..., Donation],
) -> None:
    donation = give(5000)
    headers = api_token(make_user(Role.TREASURER))
    listed = client.get("/api/v1/donations", headers=headers)
    assert listed.status_code == 200
    (item,) = listed.json["donations"]
    assert item["status"] == "paid" and item["amount_cents"] == 5000
    assert item["receipt_number"] == donation.receipt.number
    assert item["id"] == donation.public_id and item["fund"] == donation.fund.code
    assert item["currency"] == "eur" and item["frequency"] == "once"
    assert item["gift_item"] is None and item["refunded_cents"] == 0
    pdf = client.get(item["receipt_url"].removeprefix("https://relais.test"), headers=headers)
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")
    filtered = client.get("/api/v1/donations?status=refunded", headers=headers)
    assert filtered.json["total"] == 0
    assert client.get("/api/v1/donations?status=nonsense", headers=headers).status_code == 422
    assert client.get("/api/v1/donations?start=0001-01-01", headers=headers).status_code == 422


def test_the_api_refuses_a_coordinator(
    client: FlaskClient, api_token: Callable[[User], dict[str, str]], make_user: Callable[..., User]
) -> None:
    headers = api_token(make_user(Role.COORDINATOR))
    assert client.get("/api/v1/donations", headers=headers).status_code == 403
