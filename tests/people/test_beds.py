"""Beds: places, bookings within capacity, paying in cash or online (a payment, never a
gift: no donation, no receipt), the Checkout request Relais sends, the webhook marking a
booking paid, the demo gateway, and the board of beds taken per night."""

import json
from collections.abc import Callable
from datetime import timedelta
from typing import Any
from urllib.parse import parse_qs

import pytest
from flask.testing import FlaskClient
from pytest_httpserver import HTTPServer
from sqlalchemy import func, select

from app.clock import local_today
from app.errors import Conflict, InvalidInput
from app.models import User
from donations.models import Donation, Receipt
from people.models import BedBooking, BedPlace, BookingStatus, PaidHow, Volunteer
from people.services import beds
from tests.donations import stripe_events
from tests.donations.conftest import post_event
from tests.people.conftest import TeamWorld


def book(
    db_session: Any, volunteer: Volunteer, place: BedPlace, nights: int, start: int = 0
) -> BedBooking:
    arrives_on = local_today() + timedelta(days=start)
    return beds.book_bed(
        db_session,
        actor=volunteer.user,
        volunteer=volunteer,
        place_id=place.id,
        arrives_on=arrives_on,
        leaves_on=arrives_on + timedelta(days=nights),
        today=local_today(),
    )


def stay(nights: int, start: int = 0, **extra: str) -> dict[str, str]:
    arrives_on = local_today() + timedelta(days=start)
    return {
        "arrives_on": arrives_on.isoformat(),
        "leaves_on": (arrives_on + timedelta(days=nights)).isoformat(),
        **extra,
    }


def count(db_session: Any, model: type) -> int:
    return db_session.scalar(select(func.count()).select_from(model))


@pytest.fixture
def booking(
    db_session: Any, make_volunteer: Callable[..., Volunteer], bungalow: BedPlace
) -> BedBooking:
    """Two nights in the bungalow, booked and not yet paid by a fresh volunteer."""
    booked = book(db_session, make_volunteer(), bungalow, 2)
    db_session.commit()
    return booked


# --- booking --------------------------------------------------------------------------


def test_a_volunteer_books_a_bed_at_the_place_price(
    as_user: Callable[[Volunteer], FlaskClient],
    make_volunteer: Callable[..., Volunteer],
    bungalow: BedPlace,
    db_session: Any,
) -> None:
    browser = as_user(make_volunteer())
    assert browser.get("/people/beds/book").status_code == 200
    response = browser.post("/people/beds/book", data=stay(3, place_id=str(bungalow.id)))
    assert response.status_code == 303
    booking = db_session.scalars(select(BedBooking)).one()
    assert booking.nights == 3 and booking.amount_cents == 1500
    assert booking.status == BookingStatus.BOOKED
    page = browser.get(response.headers["Location"]).get_data(as_text=True)
    assert "3 nights" in page and "€15.00" in page and "no tax receipt" in page


@pytest.mark.parametrize(
    ("form", "message"),
    [
        (stay(0), "Book at least one night"),
        (stay(2, start=-1), "cannot be in the past"),
        ({"arrives_on": "", "leaves_on": ""}, "Give the night you arrive"),
        (stay(400), "Book at most a year"),
    ],
)
def test_a_bad_stay_is_refused_and_nothing_is_booked(
    as_user: Callable[[Volunteer], FlaskClient],
    make_volunteer: Callable[..., Volunteer],
    bungalow: BedPlace,
    db_session: Any,
    form: dict[str, str],
    message: str,
) -> None:
    browser = as_user(make_volunteer())
    response = browser.post("/people/beds/book", data={**form, "place_id": str(bungalow.id)})
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert count(db_session, BedBooking) == 0


def test_a_booking_beyond_capacity_is_refused(
    as_user: Callable[[Volunteer], FlaskClient],
    make_volunteer: Callable[..., Volunteer],
    bungalow: BedPlace,
    db_session: Any,
) -> None:
    book(db_session, make_volunteer(), bungalow, 5)
    book(db_session, make_volunteer(), bungalow, 2, start=3)
    db_session.commit()
    browser = as_user(make_volunteer())
    response = browser.post("/people/beds/book", data=stay(2, start=2, place_id=str(bungalow.id)))
    assert response.status_code == 409
    assert "is full on the night of" in response.get_data(as_text=True)
    assert count(db_session, BedBooking) == 2
    fits = browser.post("/people/beds/book", data=stay(2, start=5, place_id=str(bungalow.id)))
    assert fits.status_code == 303


def test_a_cancelled_booking_frees_its_bed(
    db_session: Any, make_volunteer: Callable[..., Volunteer], bungalow: BedPlace, world: TeamWorld
) -> None:
    first = book(db_session, make_volunteer(), bungalow, 2)
    book(db_session, make_volunteer(), bungalow, 2)
    with pytest.raises(Conflict):
        book(db_session, make_volunteer(), bungalow, 1)
    beds.cancel_booking(db_session, actor=world.coordinator, public_id=first.public_id)
    assert book(db_session, make_volunteer(), bungalow, 1).status == BookingStatus.BOOKED


def test_one_person_has_one_bed_a_night(
    db_session: Any, make_volunteer: Callable[..., Volunteer], bungalow: BedPlace
) -> None:
    volunteer = make_volunteer()
    book(db_session, volunteer, bungalow, 3)
    with pytest.raises(Conflict, match="already have a bed"):
        book(db_session, volunteer, bungalow, 2, start=1)


def test_someone_else_s_booking_is_not_found(
    as_user: Callable[[Volunteer], FlaskClient],
    make_volunteer: Callable[..., Volunteer],
    booking: BedBooking,
    db_session: Any,
) -> None:
    other = as_user(make_volunteer())
    assert other.get(f"/people/beds/bookings/{booking.public_id}").status_code == 404
    assert other.post(f"/people/beds/bookings/{booking.public_id}/pay").status_code == 404


# --- paying ---------------------------------------------------------------------------


def test_a_coordinator_records_cash_and_a_volunteer_may_not(
    login: Callable[[User], FlaskClient],
    as_user: Callable[[Volunteer], FlaskClient],
    booking: BedBooking,
    world: TeamWorld,
    db_session: Any,
) -> None:
    volunteer = booking.volunteer
    path = f"/people/beds/bookings/{booking.public_id}/cash"
    assert as_user(volunteer).post(path).status_code == 403
    coordinator = login(world.coordinator)
    assert coordinator.post(path).status_code == 303
    db_session.refresh(booking)
    assert booking.status == BookingStatus.PAID and booking.paid_how == PaidHow.CASH
    again = coordinator.post(path, follow_redirects=True)
    assert "not waiting for payment" in again.get_data(as_text=True)
    assert count(db_session, Donation) == 0


def test_the_demo_gateway_pays_a_booking(
    as_user: Callable[[Volunteer], FlaskClient],
    booking: BedBooking,
    db_session: Any,
) -> None:
    volunteer = booking.volunteer
    browser = as_user(volunteer)
    started = browser.post(f"/people/beds/bookings/{booking.public_id}/pay")
    assert started.headers["Location"].endswith(f"/bookings/{booking.public_id}/demo-checkout")
    assert "Pay €10.00" in browser.get(started.headers["Location"]).get_data(as_text=True)
    browser.post(started.headers["Location"], data={"outcome": "pay"})
    db_session.refresh(booking)
    assert booking.status == BookingStatus.PAID and booking.paid_how == PaidHow.ONLINE
    assert count(db_session, Donation) == 0 and count(db_session, Receipt) == 0


def test_online_payment_opens_checkout_as_a_payment_not_a_gift(
    stripe_api: HTTPServer,
    as_user: Callable[[Volunteer], FlaskClient],
    make_volunteer: Callable[..., Volunteer],
    bungalow: BedPlace,
    db_session: Any,
) -> None:
    volunteer = make_volunteer()
    booking = book(db_session, volunteer, bungalow, 3)
    db_session.commit()
    response = as_user(volunteer).post(f"/people/beds/bookings/{booking.public_id}/pay")
    assert response.status_code == 303
    assert response.headers["Location"] == "https://checkout.stripe.test/pay"
    (request, _answer) = stripe_api.log[-1]
    sent = parse_qs(request.get_data(as_text=True))
    assert sent["mode"] == ["payment"]
    assert sent["line_items[0][price_data][unit_amount]"] == ["1500"]
    assert sent["line_items[0][price_data][currency]"] == ["eur"]
    assert sent["metadata[purchase]"] == ["bed_booking"]
    assert sent["metadata[reference]"] == [booking.public_id]
    assert sent["customer_email"] == [volunteer.email]
    assert "submit_type" not in sent and "billing_address_collection" not in sent
    assert "metadata[donation_id]" not in sent
    db_session.refresh(booking)
    assert booking.checkout_session_id


def booking_event(booking: BedBooking, **values: Any) -> dict[str, Any]:
    checkout = stripe_events.checkout_session(
        session_id=booking.checkout_session_id,
        amount=booking.amount_cents,
        metadata={"purchase": "bed_booking", "reference": booking.public_id},
        **values,
    )
    return stripe_events.envelope(stripe_events.NEW, "checkout.session.completed", checkout)


def test_the_webhook_marks_a_booking_paid_once_and_makes_no_donation(
    client: FlaskClient,
    booking: BedBooking,
    db_session: Any,
) -> None:
    event = booking_event(booking)
    assert post_event(client, event).status_code == 200
    assert post_event(client, event).status_code == 200
    db_session.refresh(booking)
    assert booking.status == BookingStatus.PAID and booking.paid_how == PaidHow.ONLINE
    assert booking.checkout_session_id == event["data"]["object"]["id"]
    assert count(db_session, Donation) == 0 and count(db_session, Receipt) == 0


def test_an_unpaid_checkout_leaves_the_booking_to_pay(
    client: FlaskClient,
    booking: BedBooking,
    db_session: Any,
) -> None:
    assert post_event(client, booking_event(booking, payment_status="unpaid")).status_code == 200
    db_session.refresh(booking)
    assert booking.status == BookingStatus.BOOKED
    unsigned = json.dumps(booking_event(booking)).encode()
    refused = client.post(
        "/donations/stripe/webhook",
        data=unsigned,
        headers={"Stripe-Signature": "t=1,v1=00"},
        content_type="application/json",
    )
    assert refused.status_code == 400


def test_a_purchase_of_an_unknown_kind_is_refused(client: FlaskClient, db_session: Any) -> None:
    checkout = stripe_events.checkout_session(metadata={"purchase": "tickets", "reference": "x"})
    event = stripe_events.envelope(stripe_events.NEW, "checkout.session.completed", checkout)
    assert post_event(client, event).status_code == 400
    assert count(db_session, Donation) == 0


# --- places and the board -------------------------------------------------------------


def test_a_coordinator_adds_a_place_and_sees_beds_taken_per_night(
    login: Callable[[User], FlaskClient],
    make_volunteer: Callable[..., Volunteer],
    world: TeamWorld,
    db_session: Any,
) -> None:
    browser = login(world.coordinator)
    data = {"name": "Bungalow des Oyats", "beds": "6", "price": "5", "team_id": str(world.team.id)}
    assert browser.post("/people/beds/places/new", data=data).status_code == 303
    place = db_session.scalars(select(BedPlace).where(BedPlace.name == "Bungalow des Oyats")).one()
    assert place.price_cents == 500 and place.beds == 6
    book(db_session, make_volunteer(), place, 2)
    book(db_session, make_volunteer(), place, 1, start=1)
    db_session.commit()
    page = browser.get("/people/beds").get_data(as_text=True)
    assert page.count("2 of 6") == 1 and page.count("1 of 6") == 1
    board = beds.bed_board(db_session, local_today(), nights=3)
    (row,) = [row for row in board.rows if row.place.id == place.id]
    assert row.taken == [1, 2, 0]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"price": "cheap"}, "Give a price such as 5 or 5.50"),
        ({"price": "5.555"}, "Give a price such as 5 or 5.50"),
        ({"beds": "0"}, "Enter a whole number from 1 to 500"),
        ({"name": ""}, "Name the place"),
    ],
)
def test_a_bad_place_is_refused(
    login: Callable[[User], FlaskClient],
    world: TeamWorld,
    db_session: Any,
    change: dict[str, str],
    message: str,
) -> None:
    data = {"name": "Bungalow", "beds": "6", "price": "5", "team_id": "", **change}
    response = login(world.coordinator).post("/people/beds/places/new", data=data)
    assert response.status_code == 422 and message in response.get_data(as_text=True)
    assert count(db_session, BedPlace) == 0


def test_service_refuses_booking_for_someone_else(
    db_session: Any, make_volunteer: Callable[..., Volunteer], bungalow: BedPlace
) -> None:
    volunteer, other = make_volunteer(), make_volunteer()
    with pytest.raises(Exception, match="only for yourself"):
        beds.book_bed(
            db_session,
            actor=other.user,
            volunteer=volunteer,
            place_id=bungalow.id,
            arrives_on=local_today(),
            leaves_on=local_today() + timedelta(days=1),
            today=local_today(),
        )
    with pytest.raises(InvalidInput):
        beds.validate_stay(None, None, local_today())


def test_a_volunteer_cancels_a_booking_not_yet_paid(
    as_user: Callable[[Volunteer], FlaskClient],
    booking: BedBooking,
    db_session: Any,
) -> None:
    volunteer = booking.volunteer
    browser = as_user(volunteer)
    cancelled = browser.post(
        f"/people/beds/bookings/{booking.public_id}/cancel", follow_redirects=True
    )
    assert "The booking is cancelled." in cancelled.get_data(as_text=True)
    again = browser.post(f"/people/beds/bookings/{booking.public_id}/cancel", follow_redirects=True)
    assert "Only a booking not yet paid can be cancelled." in again.get_data(as_text=True)
    db_session.refresh(booking)
    assert booking.status == BookingStatus.CANCELLED


def test_an_account_without_a_sign_up_has_no_stay_to_book_export_or_erase(
    login: Callable[[User], FlaskClient], world: TeamWorld, bungalow: BedPlace
) -> None:
    browser = login(world.coordinator)
    assert "there is no stay to show" in browser.get("/people/me").get_data(as_text=True)
    assert browser.get("/people/me/export.json").status_code == 404
    assert browser.post("/people/me/erase", data={"confirm": "yes"}).status_code == 404
    refused = browser.post("/people/beds/book", data=stay(2, place_id=str(bungalow.id)))
    assert refused.status_code == 422
    assert "Only a volunteer who signed up can book a bed." in refused.get_data(as_text=True)
