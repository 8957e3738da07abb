"""The treasurer's pages: donations with filters and totals, fund balances, the register
of receipts with its CSV, and the yearly summary receipts of monthly donors."""

from collections.abc import Mapping
from dataclasses import replace
from datetime import date
from typing import TypeVar

from flask import (
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import format_date, ngettext
from flask_babel import gettext as _
from sqlalchemy import select
from werkzeug.wrappers import Response

from app.clock import local_day
from app.errors import InvalidInput
from app.exports import csv_response
from app.extensions import db, htmx
from app.i18n import current_locale
from app.inputs import database_int
from app.permissions import PUBLIC, requires
from app.security import never_cache
from donations import queries, receipts
from donations.forms import ConfirmForm, FuelFundForm
from donations.models import (
    DonationStatus,
    Frequency,
    Fund,
)
from donations.services import spending
from donations.views.common import bp, receipt_response, send_receipt

YEARLY_BATCH = 100


@bp.after_request
def keep_treasurer_pages_private(response: Response) -> Response:
    """The pages of this blueprint that need a permission are the treasurer's: lists,
    exports, the register and receipts, all about donors and money."""
    view = current_app.view_functions.get(request.endpoint or "")
    if getattr(view, "permission", PUBLIC) != PUBLIC:
        never_cache(response)
    return response


def read_day(args: Mapping[str, str], name: str) -> date | None:
    raw = (args.get(name) or "").strip()
    if not raw:
        return None
    try:
        day = date.fromisoformat(raw)
    except ValueError:
        day = None
    if day is None or not queries.EARLIEST_DAY <= day <= queries.LATEST_DAY:
        raise InvalidInput(_("“%(value)s” is not a date.", value=raw[:20]), field=name)
    return day


Choice = TypeVar("Choice", DonationStatus, Frequency)


def read_choice(args: Mapping[str, str], name: str, kind: type[Choice]) -> Choice | None:
    raw = args.get(name) or ""
    try:
        return kind(raw) if raw else None
    except ValueError:
        raise InvalidInput(_("This filter is not known."), field=name) from None


def read_filter(args: Mapping[str, str]) -> queries.DonationFilter:
    return queries.DonationFilter(
        start=read_day(args, "start"),
        end=read_day(args, "end"),
        fund=(args.get("fund") or "")[:32],
        gift_item=(args.get("gift_item") or "")[:64],
        status=read_choice(args, "status", DonationStatus),
        frequency=read_choice(args, "frequency", Frequency),
    )


@bp.get("/manage")
@requires("donations.view")
def manage() -> str:
    """Donations with filters, totals per month and per fund."""
    wanted = read_filter(request.args)
    names = fund_names()
    page = queries.list_donations(
        db.session,
        wanted,
        request.args.get("page", 1, type=database_int),
        current_app.config["PAGE_SIZE"],
    )
    return render_template(
        "donations/manage.html",
        page=page,
        wanted=wanted,
        per_month=[
            replace(total, key=month_name(total.key))
            for total in queries.totals_per_month(db.session, wanted)
        ],
        per_fund=[
            replace(total, key=names[total.key])
            for total in queries.totals_per_fund(db.session, wanted)
        ],
        funds=queries.list_funds(db.session),
        gift_items=queries.list_gift_items(db.session),
        statuses=DonationStatus,
        frequencies=Frequency,
    )


def month_name(key: str) -> str:
    """A month of the totals ("2026-03") as the reader reads it: "March 2026"."""
    return format_date(date.fromisoformat(f"{key}-01"), "MMMM yyyy")


def fund_names() -> dict[str, str]:
    """The name of every fund, stopped ones too, by code, in the reader's language."""
    locale = current_locale()
    return {fund.code: fund.name(locale) for fund in db.session.scalars(select(Fund))}


@bp.get("/manage.csv")
@requires("donations.view")
def manage_csv() -> Response:
    wanted = read_filter(request.args)
    header = [
        _("Date"),
        _("Paid on"),
        _("Donor"),
        _("Email"),
        _("Fund"),
        _("Gift"),
        _("How often"),
        _("Amount"),
        _("Refunded"),
        _("Status"),
        _("Receipt"),
    ]
    rows = (
        [
            donation.created_at.date().isoformat(),
            donation.paid_at.date().isoformat() if donation.paid_at else "",
            donation.donor.name if donation.donor else donation.contact_name,
            donation.donor.email if donation.donor else donation.contact_email,
            donation.fund.code,
            donation.gift_item.slug if donation.gift_item else "",
            donation.frequency.value,
            f"{donation.amount_cents / 100:.2f}",
            f"{donation.refunded_cents / 100:.2f}",
            donation.status.value,
            donation.receipt.number if donation.receipt else "",
        ]
        for donation in queries.donations_for_export(db.session, wanted)
    )
    return csv_response("donations.csv", header, rows)


@bp.get("/funds")
@requires("donations.view")
def funds() -> str:
    """What each fund received and spent, and the spendings, newest first."""
    fund = (request.args.get("fund") or "")[:32]
    return render_template(
        "donations/funds.html",
        balances=queries.fund_balances(db.session),
        fund=fund,
        page=queries.list_spendings(
            db.session,
            fund,
            request.args.get("page", 1, type=database_int),
            current_app.config["PAGE_SIZE"],
        ),
    )


@bp.get("/manage/waiting-for-details")
@requires("donations.view")
def waiting_for_details() -> str:
    """Paid gifts whose receipt waits for the donor's name and postal address: the
    donor was emailed a link to give them in their area."""
    return render_template(
        "donations/waiting_for_details.html",
        page=queries.list_waiting_for_details(
            db.session,
            page=request.args.get("page", 1, type=database_int),
            per_page=current_app.config["PAGE_SIZE"],
        ),
    )


@bp.post("/funds/fuel")
@requires("funds.manage")
def fund_pays_for_fuel() -> Response:
    """Say whether fill-ups may draw on a fund."""
    form = FuelFundForm()
    pays = form.pays_for_fuel.data == "yes"
    fund = spending.set_pays_for_fuel(db.session, code=(form.fund.data or "")[:32], pays=pays)
    db.session.commit()
    name = fund.name(current_locale())
    if pays:
        flash(_("Fill-ups may now be paid from %(fund)s.", fund=name), "success")
    else:
        flash(_("Fill-ups can no longer be paid from %(fund)s.", fund=name), "success")
    return redirect(url_for("donations.funds"), 303)


# --- the register ---------------------------------------------------------------------


def register_year() -> int:
    return request.args.get("year", date.today().year, type=database_int)


@bp.get("/register")
@requires("donations.view")
def register() -> str:
    """Receipts per year (count and total for the art. 222 bis declaration), the receipts
    of one year, and the yearly summaries still to issue."""
    year = register_year()
    return render_template(
        "donations/register.html",
        year=year,
        years=queries.register_years(db.session),
        page=queries.list_receipts(
            db.session,
            year,
            request.args.get("page", 1, type=database_int),
            current_app.config["PAGE_SIZE"],
        ),
        summary_year=date.today().year - 1,
        due=receipts.count_donors_due(db.session, date.today().year - 1),
    )


@bp.get("/register/<int:year>.csv")
@requires("donations.view")
def register_csv(year: int) -> Response:
    header = [
        _("Number"),
        _("Issued on"),
        _("Kind"),
        _("Donor"),
        _("Address"),
        _("Amount"),
        _("Date of the gift"),
        _("Period"),
        _("Payment method"),
        _("Cancelled on"),
        _("Replaces"),
    ]
    rows = (
        [
            receipt.number,
            local_day(receipt.issued_at).isoformat(),
            receipt.kind.value,
            receipt.donor_name,
            receipt.donor_address.replace("\n", ", "),
            f"{receipt.amount_cents / 100:.2f}",
            receipt.gift_date.isoformat() if receipt.gift_date else "",
            f"{receipt.period_start} {receipt.period_end}" if receipt.period_start else "",
            receipt.payment_method.value,
            local_day(receipt.cancelled_at).isoformat() if receipt.cancelled_at else "",
            receipt.replaces.number if receipt.replaces else "",
        ]
        for receipt in db.session.scalars(
            queries.receipts_of_year(year).execution_options(yield_per=500)
        )
    )
    return csv_response(f"receipts-{year}.csv", header, rows)


@bp.get("/receipts/<number>.pdf")
@requires("donations.view")
def receipt_pdf(number: str) -> Response:
    """A reprint for the treasurer: marked DUPLICATA."""
    receipt = receipts.get_receipt(db.session, number)
    if receipt is None:
        abort(404)
    return receipt_response(receipt, duplicate=True)


def yearly_year(year: int) -> int:
    if not 2000 <= year <= date.today().year:
        raise InvalidInput(_("Yearly receipts are issued for a past or the current year."))
    return year


@bp.get("/register/<int:year>/yearly")
@requires("receipts.issue")
def confirm_yearly(year: int) -> str:
    """What *Issue and email them* would send (how many receipts, what total), and the
    button that confirms it: a page, or with htmx the fragment in the register."""
    due = queries.yearly_receipts_due(db.session, yearly_year(year))
    template = "donations/_yearly_confirm.html" if htmx else "donations/confirm_yearly.html"
    return render_template(template, year=year, due=due)


@bp.post("/register/<int:year>/yearly")
@requires("receipts.issue")
def issue_yearly(year: int) -> Response | str:
    """Once confirmed, issue the next batch of yearly summaries and email them. With htmx
    the progress fragment asks for the next batch by itself until none is due; without,
    each confirmation does one batch. An unconfirmed press only shows what would go out,
    and running it again never issues a gift's receipt twice."""
    yearly_year(year)
    if ConfirmForm().confirm.data != "yes":
        if htmx:
            return confirm_yearly(year)
        return redirect(url_for("donations.confirm_yearly", year=year), 303)
    issued = [
        receipt.id
        for receipt in receipts.issue_yearly_receipts(db.session, year, limit=YEARLY_BATCH)
    ]
    db.session.commit()
    for receipt_id in issued:
        send_receipt(receipt_id)
    remaining = receipts.count_donors_due(db.session, year)
    if htmx:
        return render_template(
            "donations/_yearly_progress.html",
            year=year,
            done=queries.count_yearly_receipts(db.session, year),
            remaining=remaining,
        )
    message = ngettext(
        "%(num)d yearly receipt issued.", "%(num)d yearly receipts issued.", len(issued)
    )
    if remaining:
        message += " " + ngettext(
            "%(num)d donor still to do: press again.",
            "%(num)d donors still to do: press again.",
            remaining,
        )
    flash(message, "success")
    return redirect(url_for("donations.register", year=year), 303)
