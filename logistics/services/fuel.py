"""Fill-ups: recorded with their odometer, litres and cost, checked against the tank and
the vehicle's other readings; paid from a donations fund, they draw it down. A wrong
fill-up is voided, never edited, and gives its money back to the fund."""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation

from flask_babel import format_decimal
from flask_babel import gettext as _
from sqlalchemy import select

from app.clock import local_today, utcnow
from app.errors import Conflict, InvalidInput, NotFound
from app.extensions import Session
from app.models import User
from app.money import euros
from donations.models import Fund, SpendingKind
from donations.services.spending import cancel_spending, get_open_fund, record_spending
from logistics.models import FillUp, PaidBy, Vehicle
from logistics.services.common import (
    EARLIEST_DAY,
    check_day_reading,
    get_vehicle,
    validate_odometer,
)

MAX_FILL_UP_CENTS = 300_000  # 3,000 EUR for one fill-up is a typing mistake
# Fuel cheaper than 0.30 EUR or dearer than 5 EUR a litre: the litres or the cost is wrong.
CHEAPEST_LITRE_CENTS, DEAREST_LITRE_CENTS = 30, 500
ABSURD_LITRES = 100_000  # too many digits to be worth repeating in a message
MAX_STATION_LENGTH = 120
MAX_REASON_LENGTH = 200


@dataclass(frozen=True)
class FillUpInput:
    filled_on: date
    odometer_km: int
    litres: Decimal
    cost_cents: int
    full_tank: bool = True
    missed_previous: bool = False
    station: str = ""
    paid_by: PaidBy = PaidBy.ORGANISATION_CARD
    fund_code: str = ""  # "": not paid from a donations fund


def litres_to_centilitres(litres: object, vehicle: Vehicle) -> int:
    """Litres as given (a Decimal: "28.5" is 2850 cl), at most two decimals, more than
    nothing and no more than the tank holds."""
    if not isinstance(litres, Decimal) or not litres.is_finite():
        raise InvalidInput(_("The litres must be a number, such as 42.5."), field="litres")
    if litres <= 0:
        raise InvalidInput(_("The litres must be more than 0."), field="litres")
    if litres > ABSURD_LITRES:
        raise InvalidInput(
            _(
                "That is more than the tank of %(vehicle)s holds (%(tank)s litres).",
                vehicle=vehicle.name,
                tank=vehicle.tank_litres,
            ),
            field="litres",
        )
    if litres > vehicle.tank_litres:
        raise InvalidInput(
            _(
                "%(litres)s litres is more than the tank of %(vehicle)s holds (%(tank)s litres).",
                litres=format_decimal(litres),
                vehicle=vehicle.name,
                tank=vehicle.tank_litres,
            ),
            field="litres",
        )
    try:
        centilitres = litres * 100
        whole = centilitres == centilitres.to_integral_value()
    except InvalidOperation:
        whole = False
    if not whole:
        raise InvalidInput(_("Litres have at most two decimals, such as 42.57."), field="litres")
    return int(centilitres)


def validate_cost(cost_cents: object, litres_cl: int) -> int:
    if isinstance(cost_cents, bool) or not isinstance(cost_cents, int):
        raise InvalidInput(_("The cost must be an amount in euros."), field="cost_cents")
    if cost_cents <= 0:
        raise InvalidInput(_("The cost must be more than 0."), field="cost_cents")
    if cost_cents > MAX_FILL_UP_CENTS:
        raise InvalidInput(
            _(
                "%(amount)s for one fill-up is too much to be right: check the cost.",
                amount=euros(cost_cents),
            ),
            field="cost_cents",
        )
    litre_cents = Decimal(cost_cents) * 100 / litres_cl
    if not CHEAPEST_LITRE_CENTS <= litre_cents <= DEAREST_LITRE_CENTS:
        raise InvalidInput(
            _(
                "That makes %(price)s a litre: check the litres and the cost.",
                price=euros(round(litre_cents)),
            ),
            field="cost_cents",
        )
    return cost_cents


def validate_day(day: object, today: date) -> date:
    if not isinstance(day, date):
        raise InvalidInput(_("Give the date of the fill-up."), field="date")
    if day > today:
        raise InvalidInput(_("The date cannot be in the future."), field="date")
    if day < EARLIEST_DAY:
        raise InvalidInput(_("This date is too long ago."), field="date")
    return day


def get_fuel_fund(session: Session, code: str) -> Fund:
    """A fund a fill-up may draw on: open, and marked by a treasurer as paying for fuel
    (gifts earmarked for housing never buy diesel)."""
    fund = get_open_fund(session, code)
    if not fund.pays_for_fuel:
        raise InvalidInput(
            _(
                "The fund %(code)s does not pay for fuel: choose one that does, or the "
                "organisation's own money.",
                code=fund.code,
            ),
            field="fund",
        )
    return fund


def record_fill_up(
    session: Session,
    *,
    actor: User,
    vehicle_id: int,
    data: FillUpInput,
    receipt_photo: str | None = None,
    today: date | None = None,
) -> FillUp:
    """Record a fill-up, and what it drew from a fund. The vehicle is locked, so two
    fill-ups of one vehicle are checked one after the other."""
    vehicle = get_vehicle(session, vehicle_id, for_update=True)
    filled_on = validate_day(data.filled_on, today or local_today())
    odometer = validate_odometer(data.odometer_km)
    litres_cl = litres_to_centilitres(data.litres, vehicle)
    cost_cents = validate_cost(data.cost_cents, litres_cl)
    station = " ".join(str(data.station).split())
    if len(station) > MAX_STATION_LENGTH:
        raise InvalidInput(_("The station's name is too long."), field="station")
    if not isinstance(data.paid_by, PaidBy):
        raise InvalidInput(_("Say who paid."), field="paid_by")
    fund = get_fuel_fund(session, data.fund_code) if data.fund_code else None
    check_day_reading(session, vehicle, odometer, filled_on)
    fill_up = FillUp(
        vehicle=vehicle,
        filled_on=filled_on,
        odometer_km=odometer,
        litres_cl=litres_cl,
        cost_cents=cost_cents,
        full_tank=bool(data.full_tank),
        missed_previous=bool(data.missed_previous),
        station=station,
        paid_by=data.paid_by,
        fund=fund,
        receipt_photo=receipt_photo,
        recorded_by_id=actor.id,
    )
    session.add(fill_up)
    session.flush()
    if fund is not None:
        record_spending(
            session,
            actor=actor,
            fund_code=fund.code,
            cents=cost_cents,
            spent_on=filled_on,
            reference=fill_up.spending_reference,
            kind=SpendingKind.FUEL,
            litres_cl=litres_cl,
            subject=vehicle.name,
        )
    return fill_up


def void_fill_up(session: Session, *, actor: User, fill_up_id: int, reason: str = "") -> FillUp:
    """Take a wrong fill-up out of the log, the consumption and its fund's money out. It
    stays visible, marked void, with who voided it and why."""
    vehicle_id = session.scalar(select(FillUp.vehicle_id).where(FillUp.id == fill_up_id))
    if vehicle_id is None:
        raise NotFound(_("There is no fill-up number %(id)s.", id=fill_up_id))
    get_vehicle(session, vehicle_id, for_update=True)  # the same order as record_fill_up
    fill_up = session.scalars(
        select(FillUp)
        .where(FillUp.id == fill_up_id)
        .with_for_update(of=FillUp)
        .execution_options(populate_existing=True)
    ).one()
    if fill_up.voided:
        raise Conflict(_("This fill-up was already voided."))
    reason = " ".join(reason.split())
    if len(reason) > MAX_REASON_LENGTH:
        raise InvalidInput(_("The reason is too long."), field="reason")
    fill_up.voided_at = utcnow()
    fill_up.voided_by_id = actor.id
    fill_up.void_reason = reason
    if fill_up.fund_id is not None:
        cancel_spending(session, reference=fill_up.spending_reference)
    session.flush()
    return fill_up
