"""Beds: the board of beds taken per night, a volunteer's booking and its payment (in
cash on arrival, or online through donations/payments.py, the demo gateway standing in
when no Stripe key is set), and the coordinators' places."""

from collections.abc import Callable
from datetime import date, timedelta

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response
from wtforms.fields.choices import SelectChoice

from app.clock import local_today, utcnow
from app.errors import DomainError, InvalidInput
from app.extensions import db
from app.forms import form_status, refused
from app.i18n import current_locale
from app.links import external_url
from app.money import euros
from app.permissions import requires
from donations import payments
from donations.forms import DemoCheckoutForm
from donations.models import Gateway
from people.forms.volunteers import BookForm, PlaceForm
from people.models import BedBooking, BedPlace, BookingStatus
from people.services import beds, volunteers
from people.views.common import bp, team_choices


def wanted_day() -> date:
    try:
        return date.fromisoformat(request.args.get("from", ""))
    except ValueError:
        return local_today()


@bp.get("/beds")
@requires("beds.book")
def bed_board() -> str:
    first = wanted_day()
    volunteer = volunteers.volunteer_of(db.session, current_user)
    return render_template(
        "people/beds.html",
        board=beds.bed_board(db.session, first),
        previous=first - timedelta(days=beds.BOARD_NIGHTS),
        next=first + timedelta(days=beds.BOARD_NIGHTS),
        volunteer=volunteer,
        bookings=beds.list_bookings(
            db.session,
            volunteer=None if current_user.works_everywhere else volunteer,
            from_day=local_today(),
        )
        if current_user.works_everywhere or volunteer
        else [],
    )


def place_label(place: BedPlace) -> str:
    price = _("%(price)s a night", price=euros(place.price_cents))
    return f"{place.name} · {price}"


def render_book(form: BookForm, status: int = 200) -> tuple[str, int]:
    places = [place for place in beds.list_places(db.session) if place.active]
    form.place_id.choices = [SelectChoice(str(place.id), place_label(place)) for place in places]
    return render_template("people/beds_book.html", form=form, places=places), status


@bp.route("/beds/book", methods=["GET", "POST"])
@requires("beds.book")
def book() -> Response | tuple[str, int]:
    volunteer = volunteers.volunteer_of(db.session, current_user)
    form = BookForm()
    if not form.is_submitted() and volunteer:
        form.arrives_on.data = volunteer.arrives_on.isoformat()
        form.leaves_on.data = volunteer.leaves_on.isoformat()
    if not form.validate_on_submit():
        return render_book(form, form_status(form))
    try:
        if volunteer is None:
            raise InvalidInput(_("Only a volunteer who signed up can book a bed."))
        place_id, arrives_on, leaves_on = form.stay()
        booking = beds.book_bed(
            db.session,
            actor=current_user,
            volunteer=volunteer,
            place_id=place_id,
            arrives_on=arrives_on,
            leaves_on=leaves_on,
            today=local_today(),
        )
        db.session.commit()
    except DomainError as error:
        return render_book(form, refused(form, error))
    flash(_("Your bed is booked."), "success")
    return redirect(url_for("people.booking", public_id=booking.public_id), 303)


@bp.get("/beds/bookings/<public_id>")
@requires("beds.book")
def booking(public_id: str) -> str:
    found = beds.booking_for(db.session, current_user, public_id)
    return render_template(
        "people/beds_booking.html",
        booking=found,
        statuses=BookingStatus,
    )


def purchase_of(booking: BedBooking) -> payments.Purchase:
    return payments.Purchase(
        kind=beds.PURCHASE_KIND,
        reference=booking.public_id,
        amount_cents=booking.amount_cents,
        title=_("%(nights)s nights at %(place)s", nights=booking.nights, place=booking.place.name),
        email=booking.volunteer.email or "",
        locale=current_locale(),
        success_url=external_url("people.booking", public_id=booking.public_id),
        cancel_url=external_url("people.booking", public_id=booking.public_id),
    )


@bp.post("/beds/bookings/<public_id>/pay")
@requires("beds.book")
def pay(public_id: str) -> Response:
    """Pay the booking online: Stripe Checkout, or the demo page without a key."""
    found = beds.booking_for(db.session, current_user, public_id, for_update=True)
    if found.status != BookingStatus.BOOKED:
        flash(_("This booking is not waiting for payment."), "error")
        return redirect(url_for("people.booking", public_id=public_id), 303)
    if payments.gateway_in_use() == Gateway.DEMO:
        return redirect(url_for("people.demo_checkout", public_id=public_id), 303)
    try:
        checkout_url, checkout_id = payments.start_purchase_checkout(purchase_of(found))
    except DomainError as error:
        db.session.rollback()
        flash(error.message, "error")
        return redirect(url_for("people.booking", public_id=public_id), 303)
    found.checkout_session_id = checkout_id
    db.session.commit()
    return redirect(checkout_url, 303)


@bp.route("/beds/bookings/<public_id>/demo-checkout", methods=["GET", "POST"])
@requires("beds.book")
def demo_checkout(public_id: str) -> Response | str:
    """Stands in for Stripe when no key is set: pays through the webhook's own hook."""
    if payments.gateway_in_use() != Gateway.DEMO:
        abort(404)
    found = beds.booking_for(db.session, current_user, public_id)
    if request.method == "GET":
        return render_template("people/beds_demo_checkout.html", booking=found)
    if DemoCheckoutForm().outcome.data == "pay":
        beds.mark_paid_online(
            db.session, public_id, f"demo-{public_id}", found.amount_cents, utcnow()
        )
        db.session.commit()
        flash(_("Paid: thank you, your bed is waiting."), "success")
    else:
        flash(_("The payment did not go through: pay again, or in cash on arrival."), "error")
    return redirect(url_for("people.booking", public_id=public_id), 303)


def booking_action(public_id: str, act: Callable[[], object], done: str, tone: str) -> Response:
    """Apply a change to a booking, commit, and go back to its page with the news."""
    try:
        act()
        db.session.commit()
    except DomainError as error:
        db.session.rollback()
        flash(error.message, "error")
    else:
        flash(done, tone)
    return redirect(url_for("people.booking", public_id=public_id), 303)


@bp.post("/beds/bookings/<public_id>/cash")
@requires("beds.manage")
def record_cash(public_id: str) -> Response:
    return booking_action(
        public_id,
        lambda: beds.record_cash(db.session, actor=current_user, public_id=public_id),
        _("Cash payment recorded."),
        "success",
    )


@bp.post("/beds/bookings/<public_id>/cancel")
@requires("beds.book")
def cancel(public_id: str) -> Response:
    return booking_action(
        public_id,
        lambda: beds.cancel_booking(db.session, actor=current_user, public_id=public_id),
        _("The booking is cancelled."),
        "info",
    )


# --- places ---------------------------------------------------------------------------


def render_place(form: PlaceForm, status: int = 200) -> tuple[str, int]:
    form.team_id.choices = [SelectChoice("", _("none")), *team_choices()]
    return render_template("people/beds_place.html", form=form), status


@bp.route("/beds/places/new", methods=["GET", "POST"])
@requires("beds.manage")
def new_place() -> Response | tuple[str, int]:
    form = PlaceForm()
    if not form.validate_on_submit():
        return render_place(form, form_status(form))
    try:
        beds.save_place(db.session, actor=current_user, data=form.to_input())
        db.session.commit()
    except DomainError as error:
        return render_place(form, refused(form, error))
    flash(_("The place is added."), "success")
    return redirect(url_for("people.bed_board"), 303)
