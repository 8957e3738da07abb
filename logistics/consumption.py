"""Fuel consumption, measured the only way a fuel log can measure it: between two full
tanks. Fill the tank, drive, fill it again: the litres of the second fill-up (and of any
partial ones in between) are what the distance used.

- A partial fill-up adds its litres to the next full one.
- "A previous fill-up was not recorded" starts the count again: litres are missing, so
  the stretch before it cannot be measured. If that fill-up is full, the next stretch
  starts there; if not, at the next full tank.
- Partial fill-ups before the first full tank are not counted: the tank's level when
  they were made is not known.

Litres are centilitres and money cents, so everything here is exact; centilitres per
kilometre is litres per 100 km."""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

HUNDREDTH = Decimal("0.01")


@dataclass(frozen=True)
class Reading:
    """A fill-up, as the consumption needs it."""

    filled_on: date
    odometer_km: int
    litres_cl: int
    cost_cents: int
    full_tank: bool
    missed_previous: bool


@dataclass(frozen=True)
class Interval:
    """From one full tank to the next: the distance, and the fuel and money it took."""

    start_on: date
    end_on: date
    start_km: int
    end_km: int
    litres_cl: int
    cost_cents: int

    @property
    def distance_km(self) -> int:
        return self.end_km - self.start_km

    @property
    def litres_per_100km(self) -> Decimal:
        return (Decimal(self.litres_cl) / self.distance_km).quantize(HUNDREDTH, ROUND_HALF_UP)

    @property
    def cost_per_km_cents(self) -> Decimal:
        return (Decimal(self.cost_cents) / self.distance_km).quantize(HUNDREDTH, ROUND_HALF_UP)


@dataclass(frozen=True)
class Consumption:
    intervals: list[Interval]

    @property
    def distance_km(self) -> int:
        return sum(interval.distance_km for interval in self.intervals)

    @property
    def litres_cl(self) -> int:
        return sum(interval.litres_cl for interval in self.intervals)

    @property
    def cost_cents(self) -> int:
        return sum(interval.cost_cents for interval in self.intervals)

    @property
    def litres_per_100km(self) -> Decimal | None:
        """Over all the intervals together (not an average of their averages, which
        would make a 50 km stretch count as much as a 900 km one)."""
        if not self.distance_km:
            return None
        return (Decimal(self.litres_cl) / self.distance_km).quantize(HUNDREDTH, ROUND_HALF_UP)

    @property
    def cost_per_km_cents(self) -> Decimal | None:
        if not self.distance_km:
            return None
        return (Decimal(self.cost_cents) / self.distance_km).quantize(HUNDREDTH, ROUND_HALF_UP)


def measure(readings: Iterable[Reading]) -> Consumption:
    """The full-to-full intervals of a vehicle's fill-ups, given in the order they were
    made (date, then odometer)."""
    intervals: list[Interval] = []
    start: Reading | None = None  # the full tank the current stretch started from
    litres = cost = 0
    for reading in readings:
        if reading.missed_previous:
            start, litres, cost = (reading if reading.full_tank else None), 0, 0
            continue
        if start is None:
            if reading.full_tank:
                start = reading
            continue
        litres += reading.litres_cl
        cost += reading.cost_cents
        if not reading.full_tank:
            continue
        if reading.odometer_km > start.odometer_km:
            intervals.append(
                Interval(
                    start_on=start.filled_on,
                    end_on=reading.filled_on,
                    start_km=start.odometer_km,
                    end_km=reading.odometer_km,
                    litres_cl=litres,
                    cost_cents=cost,
                )
            )
        # A second full tank at the same kilometre (topped up) measures nothing.
        start, litres, cost = reading, 0, 0
    return Consumption(intervals)
