"""Beds for volunteers who stay: places (a bungalow with N beds, a price a night) and
bookings from the arrival night to the night before departure. A booking is a payment
for a service, never a gift: no tax receipt, not in the donation figures."""

from __future__ import annotations

from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import CheckConstraint, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.clock import utcnow
from app.extensions import Model
from app.labels import LabelledEnum
from app.models import User, UTCDateTime, str_enum
from logistics.models import Team
from people.models.volunteers import Volunteer


class BookingStatus(LabelledEnum):
    BOOKED = "booked", _l("To be paid")  # to be paid on arrival, or online
    PAID = "paid", _l("Paid")
    CANCELLED = "cancelled", _l("Cancelled")


class PaidHow(LabelledEnum):
    CASH = "cash", _l("in cash")
    ONLINE = "online", _l("online")


class BedPlace(Model):
    """Somewhere volunteers sleep: a bungalow on the campsite near Calais, 6 beds."""

    __tablename__ = "bed_places"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(80), unique=True)
    team_id: Mapped[int | None] = mapped_column(ForeignKey("teams.id"))
    beds: Mapped[int]
    price_cents: Mapped[int]  # a night
    active: Mapped[bool] = mapped_column(default=True)

    team: Mapped[Team | None] = relationship(lazy="joined")

    __table_args__ = (
        CheckConstraint("beds BETWEEN 1 AND 500", name="bed_place_beds"),
        CheckConstraint("price_cents BETWEEN 0 AND 100000", name="bed_place_price"),
    )


class BedBooking(Model):
    """A bed at a place from the night of `arrives_on` to the night before `leaves_on`."""

    __tablename__ = "bed_bookings"

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(String(32), unique=True)
    place_id: Mapped[int] = mapped_column(ForeignKey("bed_places.id"), index=True)
    volunteer_id: Mapped[int] = mapped_column(ForeignKey("volunteers.id"), index=True)
    arrives_on: Mapped[date]
    leaves_on: Mapped[date]
    amount_cents: Mapped[int]
    status: Mapped[BookingStatus] = mapped_column(
        str_enum(BookingStatus), default=BookingStatus.BOOKED
    )
    paid_how: Mapped[PaidHow | None] = mapped_column(str_enum(PaidHow))
    paid_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    checkout_session_id: Mapped[str | None] = mapped_column(String(255), unique=True)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    place: Mapped[BedPlace] = relationship(lazy="joined", innerjoin=True)
    volunteer: Mapped[Volunteer] = relationship(lazy="joined", innerjoin=True)
    recorded_by: Mapped[User | None] = relationship()

    __table_args__ = (
        CheckConstraint("arrives_on < leaves_on", name="bed_booking_at_least_a_night"),
        CheckConstraint("amount_cents >= 0", name="bed_booking_amount"),
    )

    @property
    def nights(self) -> int:
        return (self.leaves_on - self.arrives_on).days
