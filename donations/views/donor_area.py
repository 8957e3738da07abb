"""The donor area (/donations/me): a donor signs in with a one-time link sent by email,
sees their gifts, downloads their receipts, opens Stripe's portal for a monthly gift,
exports their data and can ask to be forgotten.

Donors are not staff users: every view here is public for app.permissions and checks
the donor's own session key instead, apart from Flask-Login's. Opening a link shows a
button that signs in with a POST, so mail scanners that fetch links do not use them up."""

import json
from collections.abc import Callable
from functools import partial, wraps
from typing import Any, TypeVar

from flask import (
    Blueprint,
    copy_current_request_context,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import force_locale
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from app import mail
from app.auth import normalise_email
from app.errors import Conflict, DomainError
from app.extensions import db, limiter
from app.forms import refused
from app.i18n import current_locale
from app.inputs import database_int
from app.links import external_url
from app.permissions import public
from app.security import never_cache
from donations import payments, queries, services
from donations.forms import DetailsForm, ReceiptPreferenceForm, SignInForm, StopMonthlyForm
from donations.models import (
    DonationStatus,
    Donor,
    Frequency,
    Gateway,
)
from donations.services import donors
from donations.views.common import receipt_response, send_after_commit

bp = Blueprint("donor", __name__, url_prefix="/donations/me")

SESSION_KEY = "donor_id"
PER_PAGE = 20

View = TypeVar("View", bound=Callable[..., Any])


# --- the donor's session --------------------------------------------------------------


def signed_in_donor() -> Donor | None:
    """The donor this browser signed in as, unless they have been forgotten since."""
    donor_id = session.get(SESSION_KEY)
    if not isinstance(donor_id, int):
        return None
    donor = db.session.get(Donor, donor_id)
    if donor is None or donor.erased_at is not None:
        session.pop(SESSION_KEY, None)
        return None
    return donor


def donor_required(view: View) -> View:
    """Passes the signed-in donor to the view; sends anyone else to the sign-in page."""

    @wraps(view)
    def guarded(*args: Any, **kwargs: Any) -> Any:
        donor = signed_in_donor()
        if donor is None:
            return redirect(url_for("donor.sign_in"), 303)
        return view(donor, *args, **kwargs)

    return guarded  # type: ignore[return-value]


bp.after_request(never_cache)  # pages about a person


# --- signing in and out ---------------------------------------------------------------


def link_rate_limit() -> str:
    return current_app.config.get("DONOR_LINK_RATE_LIMIT", "10 per hour")


def address_rate_limit() -> str:
    return current_app.config.get("DONOR_LINK_ADDRESS_RATE_LIMIT", "5 per hour")


def typed_address() -> str:
    return "donor-link:" + normalise_email(SignInForm().email.data or "")[:254]


def send_sign_in_link(donor: Donor, token: str) -> None:
    assert donor.email is not None
    link = external_url("donor.open_link", token=token)
    organisation = current_app.config["ORGANISATION_NAME"]
    with force_locale(donor.locale):
        subject = _("Your link to see your gifts to %(organisation)s", organisation=organisation)
        body = _(
            "Hello,\n\n"
            "Here is your link to see your gifts and download your tax receipts:\n\n"
            "%(link)s\n\n"
            "It works once, within 30 minutes. If you did not ask for it, ignore this email: "
            "nobody can sign in without the link.\n\n"
            "%(organisation)s",
            link=link,
            organisation=organisation,
        )
    mail.send(mail.draft(donor.email, subject, body))


@bp.route("/sign-in", methods=["GET", "POST"])
@public
@limiter.limit(link_rate_limit, methods=["POST"])
@limiter.limit(address_rate_limit, methods=["POST"], key_func=typed_address)
def sign_in() -> Response | tuple[str, int] | str:
    """An email address in, a one-time link out: the same answer whether or not we know
    the address, so the page tells no one who gave."""
    form = SignInForm()
    if request.method == "GET" and signed_in_donor() is not None:
        return redirect(url_for("donor.home"), 303)
    if not form.validate_on_submit():
        status = 422 if form.is_submitted() else 200
        return render_template("donations/donor_sign_in.html", form=form), status
    answer = redirect(url_for("donor.link_sent"), 303)
    # The donor is looked up and emailed once the answer has gone: its time says nothing.
    email_link = partial(email_sign_in_link, form.email.data or "")
    answer.call_on_close(copy_current_request_context(email_link))
    return answer


def email_sign_in_link(email: str) -> None:
    """A new sign-in link to the donor who gave with this address, if there is one."""
    donor = donors.find_donor_by_email(db.session, email)
    if donor is None:
        return
    token = donors.issue_sign_in_token(db.session, donor)
    db.session.commit()
    try:
        send_sign_in_link(donor, token)
    except OSError:
        current_app.logger.exception("A sign-in link for donor %s was not sent", donor.id)


@bp.get("/sign-in/sent")
@public
def link_sent() -> str:
    return render_template("donations/donor_link_sent.html")


@bp.route("/sign-in/<token>", methods=["GET", "POST"])
@public
def open_link(token: str) -> Response | tuple[str, int]:
    """The link from the email: a button signs in, and the link is used up."""
    try:
        if request.method == "GET":
            donors.donor_for_token(db.session, token)
            return render_template("donations/donor_open_link.html", refused=None), 200
        donor = donors.use_sign_in_token(db.session, token)
        db.session.commit()
    except donors.LinkRefused as refused:
        db.session.rollback()
        page = render_template("donations/donor_open_link.html", refused=refused.message)
        return page, int(refused.status)
    session[SESSION_KEY] = donor.id
    session.permanent = True
    return redirect(url_for("donor.home"), 303)


@bp.post("/sign-out")
@public
def sign_out() -> Response:
    session.pop(SESSION_KEY, None)
    flash(_("You are signed out of your gifts."), "info")
    return redirect(url_for("donor.sign_in"), 303)


# --- the area -------------------------------------------------------------------------


@bp.get("/")
@public
@donor_required
def home(donor: Donor) -> str:
    """Gifts, receipts, the monthly gift and the receipt preference."""
    gifts = queries.list_gifts(
        db.session,
        donor,
        page=request.args.get("page", 1, type=database_int),
        per_page=PER_PAGE,
    )
    receipts = queries.list_donor_receipts(
        db.session,
        donor,
        page=request.args.get("receipts_page", 1, type=database_int),
        per_page=PER_PAGE,
    )
    preference = ReceiptPreferenceForm(receipts="yearly" if donor.yearly_receipt else "each")
    return render_template(
        "donations/donor_home.html",
        donor=donor,
        gifts=gifts,
        paid_for=queries.what_gifts_paid_for(db.session, gifts.rows),
        receipts=receipts,
        monthly_gifts=queries.list_active_monthly_gifts(db.session, donor),
        gives_monthly=queries.gives_monthly(db.session, donor),
        details_needed=queries.details_needed(db.session, donor),
        preference=preference,
        statuses=DonationStatus,
        frequencies=Frequency,
        locale=current_locale(),
    )


@bp.route("/details", methods=["GET", "POST"])
@public
@donor_required
def details(donor: Donor) -> Response | tuple[str, int]:
    """The donor's name and postal address, for their receipts: receipts waiting for
    them are issued and emailed as soon as they are given."""
    form = DetailsForm(obj=donor)
    waiting = len(donors.waiting_for_details(db.session, donor))
    if not form.validate_on_submit():
        status = 422 if form.is_submitted() else 200
        return render_template("donations/donor_details.html", form=form, waiting=waiting), status
    given = services.Contact(
        email=donor.email or "",
        **{field: getattr(form, field).data or "" for field in services.ADDRESS_FIELDS},
    )
    try:
        after = donors.change_details(db.session, donor, given)
    except DomainError as error:
        status = refused(form, error)
        return render_template("donations/donor_details.html", form=form, waiting=waiting), status
    db.session.commit()
    send_after_commit(after)
    if after.receipt_ids:
        flash(_("Thank you: your receipt is issued and on its way to you."), "success")
    else:
        flash(_("Your details are saved."), "success")
    return redirect(url_for("donor.home"), 303)


@bp.get("/receipts/<number>.pdf")
@public
@donor_required
def receipt_pdf(donor: Donor, number: str) -> Response:
    """A reprint of one of the donor's receipts, marked as a duplicate."""
    return receipt_response(queries.get_donor_receipt(db.session, donor, number), duplicate=True)


@bp.post("/receipts")
@public
@donor_required
def receipt_preference(donor: Donor) -> Response | tuple[str, int]:
    form = ReceiptPreferenceForm()
    if not form.validate_on_submit():
        flash(_("Please choose how you want your receipts."), "error")
        return redirect(url_for("donor.home"), 303)
    donors.set_receipt_preference(donor, yearly=form.receipts.data == "yearly")
    db.session.commit()
    flash(_("Your choice is saved: it applies to your next monthly payments."), "success")
    return redirect(url_for("donor.home"), 303)


@bp.post("/monthly")
@public
@donor_required
def monthly_portal(donor: Donor) -> Response:
    """Stripe's own page to change or stop a monthly gift; the demo has none."""
    if payments.gateway_in_use() == Gateway.DEMO:
        return redirect(url_for("donor.demo_monthly"), 303)
    if not donor.stripe_customer_id:
        raise Conflict(
            _(
                "We cannot open the payment service's page for your monthly gift. Write to "
                "us and we will change or stop it for you."
            )
        )
    url = payments.portal_url(donor.stripe_customer_id, external_url("donor.home"))
    return redirect(url, 303)


@bp.route("/monthly/demo", methods=["GET", "POST"])
@public
@donor_required
def demo_monthly(donor: Donor) -> Response | str:
    """Without Stripe there is no portal: a monthly gift is stopped in Relais only."""
    if payments.gateway_in_use() != Gateway.DEMO:
        return redirect(url_for("donor.home"), 303)
    if request.method == "POST":
        gift_id = StopMonthlyForm().gift_id.data or ""
        try:
            number = database_int(gift_id)
        except ValueError:
            number = 0
        donors.stop_monthly_gift_locally(db.session, donor, number)
        db.session.commit()
        flash(_("Your monthly gift is stopped (demo: no payment service was told)."), "success")
        return redirect(url_for("donor.home"), 303)
    return render_template(
        "donations/donor_demo_monthly.html",
        monthly_gifts=queries.list_active_monthly_gifts(db.session, donor),
        locale=current_locale(),
    )


@bp.get("/export.json")
@public
@donor_required
def export(donor: Donor) -> Response:
    """Everything stored about the donor, as a JSON file."""
    data = donors.export_donor(db.session, donor)
    response = Response(json.dumps(data, ensure_ascii=False, indent=2), mimetype="application/json")
    response.headers["Content-Disposition"] = 'attachment; filename="relais-my-data.json"'
    return response


@bp.route("/forget", methods=["GET", "POST"])
@public
@donor_required
def forget(donor: Donor) -> Response | str:
    """Erase the donor's personal data, apart from the receipts the law keeps."""
    if request.method == "GET":
        return render_template(
            "donations/donor_forget.html",
            monthly_gifts=queries.list_active_monthly_gifts(db.session, donor),
        )
    donors.erase_donor(db.session, donor)
    db.session.commit()
    session.pop(SESSION_KEY, None)
    flash(
        _(
            "Your personal data is erased. Your tax receipts are kept for six years, as the "
            "law asks."
        ),
        "success",
    )
    return redirect(url_for("app.home"), 303)
