"""Demo data: the Calais van, the Paris nine-seater minibus and a car, with four months
of trips and fill-ups (some partial, one missed, some paid from the fuel fund), the
Calais van out on a distribution now, and reminders due; then the distribution teams,
their week templates, past runs and day plans (logistics/demo_distributions.py). Safe
to run again: vehicles that exist are kept as they are."""

import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from sqlalchemy import select

from app.clock import local_today, paris_moment, utcnow
from app.extensions import Session
from app.models import Role, User
from donations.models import Fund
from donations.queries import DonationFilter, income, money_out_per_fund
from inventory.models import Site
from logistics import demo_distributions, services
from logistics.models import FuelType, PaidBy, TripPurpose, Vehicle, VehicleKind, VehicleStatus

DAYS = 120
SEED = 2026


@dataclass(frozen=True)
class DemoVehicle:
    name: str
    plate: str
    kind: VehicleKind
    seats: int
    payload_kg: int
    fuel_type: FuelType
    tank_litres: int
    site: str
    odometer_km: int
    litres_per_100km: float
    km_per_trip: int
    price_cents: int  # a litre
    purposes: tuple[TripPurpose, ...]


VEHICLES = [
    DemoVehicle(
        "Calais van", "GH-482-KT", VehicleKind.VAN, 3, 1200, FuelType.DIESEL, 80,
        "Entrepôt Calais", 84_200, 10.8, 95, 172,
        (TripPurpose.DISTRIBUTION, TripPurpose.DISTRIBUTION, TripPurpose.COLLECTION),
    ),
    DemoVehicle(
        "Paris minibus", "FR-219-PB", VehicleKind.MINIBUS, 9, 600, FuelType.DIESEL, 70,
        "Porte de la Chapelle", 121_500, 9.4, 60, 178,
        (TripPurpose.EMERGENCY_HOSTING, TripPurpose.EMERGENCY_HOSTING, TripPurpose.DISTRIBUTION),
    ),
    DemoVehicle(
        "Clio", "EK-731-RZ", VehicleKind.CAR, 5, 400, FuelType.PETROL, 42,
        "Entrepôt Calais", 156_300, 6.3, 70, 186,
        (TripPurpose.TRANSFER, TripPurpose.COLLECTION),
    ),
]  # fmt: skip


def seed(session: Session) -> None:
    known = set(session.scalars(select(Vehicle.name)))
    admin = session.scalar(select(User).where(User.role == Role.ADMIN).order_by(User.id))
    drivers = session.scalars(
        select(User).where(User.role.in_([Role.VOLUNTEER, Role.COORDINATOR])).order_by(User.id)
    ).all()
    sites = {site.name: site for site in session.scalars(select(Site))}
    if admin is None or not drivers or not sites:
        return
    fund = session.scalar(select(Fund).where(Fund.code == "fuel", Fund.active, Fund.pays_for_fuel))
    rng = random.Random(SEED)
    today = local_today()
    for spec in VEHICLES:
        if spec.name in known:
            continue
        home = sites.get(spec.site) or next(iter(sites.values()))
        vehicle = services.save_vehicle(
            session,
            actor=admin,
            data=services.VehicleInput(
                name=spec.name,
                plate=spec.plate,
                kind=spec.kind,
                seats=spec.seats,
                payload_kg=spec.payload_kg,
                fuel_type=spec.fuel_type,
                tank_litres=spec.tank_litres,
                home_site_id=home.id,
                odometer_km=spec.odometer_km,
                insurance_due_on=today + timedelta(days=rng.randint(60, 300)),
            ),
        )
        vehicle.created_at = at(today - timedelta(days=DAYS + 1), 8)
        stations = STATIONS.get(home.city, [""])
        history = History(session, vehicle, spec, admin, drivers, fund, rng, stations)
        odometer = history.play(today)
        due_soon(vehicle, spec, odometer, today)
    session.flush()
    demo_distributions.seed(session, admin)


def at(day: date, hour: int, minute: int = 0) -> datetime:
    return paris_moment(day, time(hour, minute))


def due_soon(vehicle: Vehicle, spec: DemoVehicle, odometer: int, today: date) -> None:
    """Something to remind about on each vehicle."""
    if spec.kind == VehicleKind.VAN:
        vehicle.inspection_due_on = today - timedelta(days=4)
        vehicle.service_due_km = odometer + 4_800
    elif spec.kind == VehicleKind.MINIBUS:
        vehicle.insurance_due_on = today + timedelta(days=18)
        vehicle.service_due_km = odometer + 650
    else:
        vehicle.service_due_km = odometer - 150
        vehicle.status = VehicleStatus.MAINTENANCE


class History:
    """Four months of one vehicle: a trip most days, a fill-up when the tank runs low."""

    def __init__(
        self,
        session: Session,
        vehicle: Vehicle,
        spec: DemoVehicle,
        admin: User,
        drivers: Sequence[User],
        fund: Fund | None,
        rng: random.Random,
        stations: list[str],
    ) -> None:
        self.session, self.vehicle, self.spec = session, vehicle, spec
        self.stations = stations  # where it fills up: near home
        self.admin, self.drivers, self.fund, self.rng = admin, drivers, fund, rng
        self.odometer = spec.odometer_km
        self.tank = Decimal(spec.tank_litres)
        self.missed_one = False  # one fill-up of the van goes unrecorded
        self.pending_missed = False  # ... and the next one says so

    def play(self, today: date) -> int:
        for offset in range(DAYS, 0, -1):
            day = today - timedelta(days=offset)
            if self.rng.random() < 0.7:
                self.trip(day)
            if self.tank < self.spec.tank_litres * Decimal("0.3"):
                self.fill_up(day)
        if self.spec.kind == VehicleKind.VAN:
            services.check_out_vehicle(
                self.session,
                actor=self.admin,
                vehicle_id=self.vehicle.id,
                driver_id=self.drivers[0].id,
                purpose=TripPurpose.DISTRIBUTION,
                odometer_km=self.odometer,
                destination="Fort Nieulay, puis Hôpital",
                moment=utcnow() - timedelta(minutes=95),
            )
        return self.odometer

    def trip(self, day: date) -> None:
        distance = max(8, round(self.rng.gauss(self.spec.km_per_trip, self.spec.km_per_trip / 3)))
        trip = services.check_out_vehicle(
            self.session,
            actor=self.admin,
            vehicle_id=self.vehicle.id,
            driver_id=self.rng.choice(self.drivers).id,
            purpose=self.rng.choice(self.spec.purposes),
            odometer_km=self.odometer,
            moment=at(day, 9, self.rng.randint(0, 50)),
        )
        self.odometer += distance
        used = Decimal(distance) * Decimal(str(self.spec.litres_per_100km)) / 100
        self.tank -= used * Decimal(str(self.rng.uniform(0.9, 1.1)))
        services.check_in_vehicle(
            self.session,
            actor=self.admin,
            trip_id=trip.id,
            odometer_km=self.odometer,
            moment=at(day, 17, self.rng.randint(0, 50)),
        )

    def fill_up(self, day: date) -> None:
        room = (Decimal(self.spec.tank_litres) - self.tank).quantize(Decimal("0.01"))
        if not self.missed_one and self.spec.kind == VehicleKind.VAN and day.day > 14:
            self.missed_one = True  # filled up, and the receipt was lost
            self.tank = Decimal(self.spec.tank_litres)
            self.pending_missed = True
            return
        partial = self.rng.random() < 0.2
        litres = (room * Decimal("0.5")).quantize(Decimal("0.01")) if partial else room
        price = self.spec.price_cents + self.rng.randint(-8, 8)
        cost = round(litres * price)
        from_fund = self.rng.random() < 0.45 and self.fund_can_pay(cost, day)
        services.record_fill_up(
            self.session,
            actor=self.rng.choice(self.drivers),
            vehicle_id=self.vehicle.id,
            data=services.FillUpInput(
                filled_on=day,
                odometer_km=self.odometer,
                litres=litres,
                cost_cents=cost,
                full_tank=not partial,
                missed_previous=self.pending_missed,
                station=self.rng.choice(self.stations),
                paid_by=self.rng.choices(list(PaidBy), weights=[6, 2, 2])[0],
                fund_code=self.fund.code if from_fund and self.fund else "",
            ),
            today=day,
        )
        self.pending_missed = False
        self.tank += litres

    def fund_can_pay(self, cost_cents: int, day: date) -> bool:
        """Whether the fuel fund held enough on that day: gifts until then, less what it
        already paid for. A fund is never overspent."""
        if self.fund is None:
            return False
        wanted = DonationFilter(end=day, fund=self.fund.code)
        _count, money_in = self.session.execute(income(wanted)).one()
        spent = money_out_per_fund(self.session).get(self.fund.id, 0)
        return int(money_in) - spent >= cost_cents


STATIONS = {
    "Calais": [
        "TotalEnergies Calais Virval",
        "Intermarché Coquelles",
        "Esso Marck",
        "",
    ],
    "Paris": [
        "Carrefour Market Paris 18",
        "BP Porte de la Chapelle",
        "TotalEnergies Paris Porte d'Aubervilliers",
        "",
    ],
}
