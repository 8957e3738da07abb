"""Public donation pages: give, thank you, the demo gateway, the tax reduction explained,
receipt verification, and Stripe's webhook."""

from datetime import date, timedelta

from flask import (
    abort,
    current_app,
    jsonify,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from werkzeug.wrappers import Response
from wtforms.fields.choices import SelectChoice

from app.clock import utcnow
from app.errors import DomainError
from app.extensions import csrf, db, htmx, limiter
from app.forms import refused
from app.i18n import current_locale
from app.permissions import public
from app.security import never_cache
from donations import payments, queries, receipt_document, receipts, services, tax, webhooks
from donations.forms import DemoCheckoutForm, GiveForm
from donations.models import (
    Donation,
    DonationStatus,
    Frequency,
    Gateway,
    PaymentMethod,
)
from donations.views.common import bp, receipt_response, send_after_commit


def limits() -> tuple[int, int]:
    return current_app.config["DONATION_MIN_CENTS"], current_app.config["DONATION_MAX_CENTS"]


# --- giving ---------------------------------------------------------------------------


def donation_rate_limit() -> str:
    """Per address, and generous: a campaign's donors may share one (a carrier's NAT)."""
    return current_app.config["DONATION_RATE_LIMIT"]


def gift_request(form: GiveForm) -> services.GiftRequest:
    return services.GiftRequest(
        gift_item_slug=form.gift_item.data or None,
        amount=form.amount.data or "",
        frequency=Frequency(form.frequency.data),
        contact=services.Contact(
            email=form.email.data or "",
            name=form.name.data or "",
            address_line1=form.address_line1.data or "",
            address_line2=form.address_line2.data or "",
            postcode=form.postcode.data or "",
            city=form.city.data or "",
            country=form.country.data or "FR",
        ),
        wants_receipt=not form.no_receipt.data,
        show_name=not form.hide_name.data,
        consent_contact=bool(form.consent_contact.data),
        locale=current_locale(),
    )


def render_give(form: GiveForm, status: int = 200) -> tuple[str, int]:
    offers = queries.list_gift_offers(db.session)
    form.gift_item.choices = [SelectChoice("", _("Another amount"))] + [
        SelectChoice(offer.item.slug, offer.item.title(current_locale())) for offer in offers
    ]
    minimum, maximum = limits()
    return render_template(
        "donations/give.html",
        form=form,
        offers=offers,
        reductions={
            offer.item.slug: tax.reduction_for(db.session, offer.item.amount_cents, date.today())
            for offer in offers
        },
        minimum=minimum,
        maximum=maximum,
    ), status


@bp.route("/", methods=["GET", "POST"])
@public
@limiter.limit(donation_rate_limit, methods=["POST"])
def give() -> Response | tuple[str, int]:
    """The public donation page: a gift item or a free amount, once or monthly."""
    form = GiveForm()
    if request.method == "GET":
        form.gift_item.data = request.args.get("gift", "")
        return render_give(form)
    if not form.validate_on_submit():
        return render_give(form, 422)
    minimum, maximum = limits()
    try:
        donation = services.start_donation(
            db.session,
            gift_request(form),
            gateway=payments.gateway_in_use(),
            minimum=minimum,
            maximum=maximum,
        )
        title = (
            donation.gift_item.title(current_locale())
            if donation.gift_item
            else _("Gift to Relais")
        )
        checkout_url = payments.start_checkout(donation, title=title)
        db.session.commit()
    except DomainError as error:
        return render_give(form, refused(form, error))
    return redirect(checkout_url, 303)


@bp.get("/cost")
@public
def cost() -> str:
    """What a free amount costs after the tax reduction (an htmx fragment)."""
    minimum, maximum = limits()
    try:
        cents = services.parse_amount(
            request.args.get("amount", ""), minimum=minimum, maximum=maximum
        )
    except DomainError:
        return render_template("donations/_cost.html", reduction=None)
    return render_template(
        "donations/_cost.html", reduction=tax.reduction_for(db.session, cents, date.today())
    )


THANKS_PAGE_LIFETIME = timedelta(hours=24)


def masked_email(email: str) -> str:
    """Enough for a donor to recognise their address, not enough to learn it: the first
    letter of the name and of the domain, and the domain's ending (c•••@e•••.org)."""
    local, _at, domain = email.partition("@")
    if not local or not domain:
        return "•••"
    host, dot, ending = domain.rpartition(".")
    if not host:
        host, dot, ending = domain, "", ""
    return f"{local[0]}•••@{host[0]}•••{dot}{ending}"


def thanks_page_open(donation: Donation) -> bool:
    """The thank-you address is private but travels in browser histories: it shows a
    gift for a day after it was made or paid, then only the donor area does."""
    latest = max(donation.created_at, donation.paid_at or donation.created_at)
    return utcnow() < latest + THANKS_PAGE_LIFETIME


def expired_thanks() -> Response:
    return never_cache(make_response(render_template("donations/thanks_expired.html"), 410))


@bp.get("/thanks/<public_id>")
@public
def thanks(public_id: str) -> Response:
    """Where Stripe (or the demo) sends the donor back; waits for the payment's news."""
    donation = services.get_donation(db.session, public_id)
    if not thanks_page_open(donation):
        return expired_thanks()
    template = "donations/_donation_status.html" if htmx else "donations/thanks.html"
    email = donation.contact_email or (donation.donor.email if donation.donor else None) or ""
    page = render_template(
        template, donation=donation, statuses=DonationStatus, email=masked_email(email)
    )
    return never_cache(make_response(page))


@bp.get("/thanks/<public_id>/receipt.pdf")
@public
def thanks_receipt(public_id: str) -> Response:
    """The receipt of the donation whose private thank-you address this is."""
    donation = services.get_donation(db.session, public_id)
    if not thanks_page_open(donation):
        return expired_thanks()
    if donation.receipt is None:
        abort(404)
    return receipt_response(donation.receipt, duplicate=True)


@bp.get("/cancelled/<public_id>")
@public
def cancelled(public_id: str) -> str:
    donation = services.get_donation(db.session, public_id)
    return render_template("donations/cancelled.html", donation=donation)


# --- the demo gateway -----------------------------------------------------------------


@bp.route("/demo-checkout/<public_id>", methods=["GET", "POST"])
@public
def demo_checkout(public_id: str) -> Response | str:
    """Stands in for Stripe when no key is set: completes or fails the payment through the
    same fulfilment as the webhook."""
    if payments.gateway_in_use() != Gateway.DEMO:
        abort(404)
    donation = services.get_donation(db.session, public_id, for_update=request.method == "POST")
    if donation.gateway != Gateway.DEMO:
        abort(404)
    if request.method == "GET":
        return render_template("donations/demo_checkout.html", donation=donation)
    after = services.AfterCommit()
    if DemoCheckoutForm().outcome.data == "pay":
        payment = services.Payment(paid_at=utcnow(), method=PaymentMethod.CARD)
        after = services.fulfil_donation(db.session, donation, payment)
        if donation.frequency == Frequency.MONTHLY:
            services.start_monthly_gift(db.session, donation, f"demo-{donation.public_id}")
    else:
        services.fail_donation(db.session, donation, "declined in the demo")
    db.session.commit()
    send_after_commit(after)
    if donation.status == DonationStatus.FAILED:
        return redirect(url_for("donations.cancelled", public_id=public_id), 303)
    return redirect(url_for("donations.thanks", public_id=public_id), 303)


# --- the tax reduction and receipts ---------------------------------------------------


@bp.get("/tax-reduction")
@public
def tax_reduction() -> str:
    """How much of a gift the donor deducts, from the same table the page computes with."""
    today = date.today()
    examples = [
        tax.reduction_for(db.session, cents, today) for cents in (1000, 5000, 30000, 250000)
    ]
    return render_template(
        "donations/tax_reduction.html", rules=tax.list_rules(db.session), examples=examples
    )


@bp.get("/receipts/<number>/verify")
@public
def verify_receipt(number: str) -> tuple[str, int]:
    """Public check of a receipt from its QR code: number, amount, masked name."""
    receipt = receipts.get_receipt(db.session, number)
    key = request.args.get("k", "")
    if receipt is None or not receipt_document.keys_match(
        key, receipt_document.verification_key(number)
    ):
        return render_template("donations/verify_receipt.html", receipt=None, number=number), 404
    return render_template(
        "donations/verify_receipt.html",
        receipt=receipt,
        number=number,
        masked_name=receipt_document.masked_name(receipt.donor_name),
    ), 200


# --- Stripe ---------------------------------------------------------------------------


@bp.post("/stripe/webhook")
@public
@csrf.exempt
def stripe_webhook() -> Response:
    """Stripe's events. Any failure while handling rolls everything back and answers
    an error (500, or 503 while Stripe cannot be asked), so that Stripe sends the event
    again; an event Relais cannot use answers 400."""
    event = payments.verified_event(request.get_data(), request.headers.get("Stripe-Signature"))
    after = webhooks.handle_event(db.session, event)
    db.session.commit()
    send_after_commit(after)
    return jsonify(received=True)
