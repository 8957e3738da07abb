"""Vehicles, their fill-ups and their trips.

Odometer readings come from fill-ups and from trips (out and back in); they never go
down as time goes on. Litres are stored in centilitres and money in cents, never as
floats. A fill-up is never edited or deleted: a wrong one is voided (kept, marked), which
also cancels what it drew from a donations fund."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.clock import utcnow
from app.extensions import Model
from app.labels import LabelledEnum
from app.models import User, UTCDateTime, str_enum
from donations.models import Fund
from inventory.models import Site


class VehicleKind(LabelledEnum):
    VAN = "van", _l("Van")
    MINIBUS = "minibus", _l("Minibus")
    CAR = "car", _l("Car")
    TRUCK = "truck", _l("Truck")


class FuelType(LabelledEnum):
    DIESEL = "diesel", _l("Diesel")
    PETROL = "petrol", _l("Petrol")
    LPG = "lpg", _l("LPG")


class VehicleStatus(LabelledEnum):
    AVAILABLE = "available", _l("Available")
    MAINTENANCE = "maintenance", _l("In maintenance")
    OUT_OF_SERVICE = "out_of_service", _l("Out of service")


class PaidBy(LabelledEnum):
    ORGANISATION_CARD = "organisation_card", _l("Organisation card")
    CASH = "cash", _l("Cash")
    VOLUNTEER = "volunteer", _l("A volunteer, to be reimbursed")


class TripPurpose(LabelledEnum):
    DISTRIBUTION = "distribution", _l("Distribution")
    COLLECTION = "collection", _l("Collection pickup")
    TRANSFER = "transfer", _l("Transfer between sites")
    EMERGENCY_HOSTING = "emergency_hosting", _l("Taking people to emergency hosts")


class Vehicle(Model):
    __tablename__ = "vehicles"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(80), unique=True)
    plate: Mapped[str] = mapped_column(String(16), unique=True)
    kind: Mapped[VehicleKind] = mapped_column(str_enum(VehicleKind))
    seats: Mapped[int]
    payload_kg: Mapped[int]
    fuel_type: Mapped[FuelType] = mapped_column(str_enum(FuelType))
    tank_litres: Mapped[int]
    home_site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"), index=True)
    status: Mapped[VehicleStatus] = mapped_column(
        str_enum(VehicleStatus), default=VehicleStatus.AVAILABLE
    )
    # The odometer when the vehicle was added: no later reading may be lower.
    registered_odometer_km: Mapped[int] = mapped_column(default=0)
    insurance_due_on: Mapped[date | None]
    insurance_due_km: Mapped[int | None]
    inspection_due_on: Mapped[date | None]
    inspection_due_km: Mapped[int | None]
    service_due_on: Mapped[date | None]
    service_due_km: Mapped[int | None]
    notes: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    home_site: Mapped[Site] = relationship(lazy="joined", innerjoin=True)

    __table_args__ = (
        CheckConstraint("seats BETWEEN 1 AND 99", name="seats_in_range"),
        CheckConstraint("payload_kg >= 0", name="payload_not_negative"),
        CheckConstraint("tank_litres > 0", name="tank_positive"),
        CheckConstraint("registered_odometer_km >= 0", name="odometer_not_negative"),
    )

    def __str__(self) -> str:
        return self.name


class FillUp(Model):
    """Fuel put in a vehicle. Consumption is measured between full tanks: a partial
    fill-up's litres count towards the next full one, and `missed_previous` (a fill-up
    was not recorded before this one) starts the count again."""

    __tablename__ = "fill_ups"

    id: Mapped[int] = mapped_column(primary_key=True)
    vehicle_id: Mapped[int] = mapped_column(ForeignKey("vehicles.id"))
    filled_on: Mapped[date]
    odometer_km: Mapped[int]
    litres_cl: Mapped[int]
    cost_cents: Mapped[int]
    full_tank: Mapped[bool] = mapped_column(default=True)
    missed_previous: Mapped[bool] = mapped_column(default=False)
    station: Mapped[str] = mapped_column(String(120), default="")
    paid_by: Mapped[PaidBy] = mapped_column(str_enum(PaidBy))
    # The donations fund it was paid from, which then shows it as money out.
    fund_id: Mapped[int | None] = mapped_column(ForeignKey("funds.id"))
    # A random file name under the receipts folder, never the name the phone sent.
    receipt_photo: Mapped[str | None] = mapped_column(String(64))
    recorded_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    voided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    voided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    void_reason: Mapped[str] = mapped_column(String(200), default="")

    vehicle: Mapped[Vehicle] = relationship(lazy="joined", innerjoin=True)
    fund: Mapped[Fund | None] = relationship()
    recorded_by: Mapped[User] = relationship(foreign_keys=[recorded_by_id])

    __table_args__ = (
        CheckConstraint("litres_cl > 0", name="litres_positive"),
        CheckConstraint("cost_cents > 0", name="cost_positive"),
        CheckConstraint("odometer_km >= 0", name="odometer_not_negative"),
        Index("ix_fill_ups_vehicle_day", "vehicle_id", "filled_on", "odometer_km"),
    )

    @property
    def litres(self) -> Decimal:
        return Decimal(self.litres_cl) / 100

    @property
    def voided(self) -> bool:
        return self.voided_at is not None

    @property
    def spending_reference(self) -> str:
        """How donations.services.spending knows the money this fill-up drew from a fund."""
        return f"fuel:{self.id}"


class Trip(Model):
    """A vehicle checked out by a driver, and later back in. A vehicle has at most one
    trip not checked in: the partial unique index holds even when two people press
    "Check out" at the same moment."""

    __tablename__ = "trips"

    id: Mapped[int] = mapped_column(primary_key=True)
    vehicle_id: Mapped[int] = mapped_column(ForeignKey("vehicles.id"), index=True)
    driver_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    purpose: Mapped[TripPurpose] = mapped_column(str_enum(TripPurpose))
    destination: Mapped[str] = mapped_column(String(200), default="")
    checked_out_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    checked_out_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    odometer_out: Mapped[int]
    checked_in_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    checked_in_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    odometer_in: Mapped[int | None]
    notes: Mapped[str] = mapped_column(Text, default="")

    vehicle: Mapped[Vehicle] = relationship(lazy="joined", innerjoin=True)
    driver: Mapped[User] = relationship(foreign_keys=[driver_id], lazy="joined")

    __table_args__ = (
        Index(
            "uq_trips_one_open_per_vehicle",
            "vehicle_id",
            unique=True,
            postgresql_where=text("checked_in_at IS NULL"),
            sqlite_where=text("checked_in_at IS NULL"),
        ),
        CheckConstraint("odometer_out >= 0", name="odometer_out_not_negative"),
        CheckConstraint(
            "odometer_in IS NULL OR odometer_in >= odometer_out", name="odometer_in_not_lower"
        ),
        CheckConstraint(
            "(checked_in_at IS NULL) = (odometer_in IS NULL)", name="checked_in_with_odometer"
        ),
    )

    @property
    def is_open(self) -> bool:
        return self.checked_in_at is None

    @property
    def distance_km(self) -> int | None:
        return None if self.odometer_in is None else self.odometer_in - self.odometer_out
