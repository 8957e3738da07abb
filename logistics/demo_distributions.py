"""Demo data for distribution planning: four Calais spots and a Paris storeroom, the
Calais and Paris teams with their week templates, eight weeks of distributions loaded,
run and recorded through the services, and today's and tomorrow's plans with vans and
leads for the day board to check (some with no van or lead, the Calais van in two places
at once, the Clio in maintenance, blankets short for the last evening runs).

Safe to run again: a team that exists is kept with its template, history and stock;
today's and tomorrow's plans are made only where missing, and only what is made is
given a van and a lead."""

import math
import random
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, time, timedelta

from sqlalchemy import select, update

from app.clock import local_today, paris_moment
from app.extensions import Session
from app.models import Role, User
from inventory import ledger
from inventory.demo import seed_sites
from inventory.models import Item, Priority, Site, StockItem
from inventory.services import LineInput, get_stock_item, receive_loose, set_need
from logistics import services
from logistics.demo_teams import (
    ALL_GO,
    ASSIGNMENTS,
    HISTORY_WEEKS,
    ITEMS,
    LOADING,
    NOTES,
    PERISHABLE,
    SEED,
    SITES,
    TEAMS,
    DemoTeam,
)
from logistics.models import (
    Distribution,
    DistributionLoad,
    Team,
    Vehicle,
    WeekSlot,
    WeekSlotLine,
)


@dataclass
class World:
    session: Session
    admin: User
    leads: dict[Role, User]
    vehicles: dict[str, Vehicle]
    sites: dict[str, Site]
    stock_items: dict[str, StockItem]  # by the item's English name
    rng: random.Random


def seed(session: Session, admin: User) -> None:
    world = make_world(session, admin)
    today = local_today()
    teams = {team.name: team for team in session.scalars(select(Team))}
    for spec in TEAMS:
        if spec.departure not in world.sites or any(
            spot.site not in world.sites for spot in spec.spots
        ):
            continue
        team = teams.get(spec.name) or start_team(world, spec, today)
        plan_coming_days(world, spec, team, today)


def start_team(world: World, spec: DemoTeam, today: date) -> Team:
    """A new team: its week template, its past weeks, and its warehouse stocked."""
    team = Team(name=spec.name, departure_site_id=world.sites[spec.departure].id)
    world.session.add(team)
    world.session.flush()
    slots = add_week_template(world, team, spec)
    play_history(world, spec, team, slots, today)
    stock_up(world, spec, team)
    return team


def make_world(session: Session, admin: User) -> World:
    users = session.scalars(select(User).where(User.active).order_by(User.id)).all()
    leads: dict[Role, User] = {}
    for user in users:
        leads.setdefault(user.role, user)
    return World(
        session=session,
        admin=admin,
        leads=leads,
        vehicles={vehicle.name: vehicle for vehicle in session.scalars(select(Vehicle))},
        sites=seed_sites(session, SITES),
        stock_items=seed_items(session),
        rng=random.Random(SEED),
    )


def seed_items(session: Session) -> dict[str, StockItem]:
    names = [name_en for _category, _fr, name_en, _unit in ITEMS]
    existing = {
        item.name_en: item
        for item in session.scalars(select(Item).where(Item.name_en.in_(names), Item.active))
    }
    for category, name_fr, name_en, unit in ITEMS:
        if name_en not in existing:
            existing[name_en] = Item(category=category, name_fr=name_fr, name_en=name_en, unit=unit)
            session.add(existing[name_en])
    session.flush()
    return {name: get_stock_item(session, item.id) for name, item in existing.items()}


def add_week_template(world: World, team: Team, spec: DemoTeam) -> list[WeekSlot]:
    """Every sitting at every spot, every day of the week."""
    slots = [
        WeekSlot(
            team_id=team.id,
            weekday=weekday,
            label=sitting.label,
            place_site_id=world.sites[spot.site].id,
            starts_at=sitting.starts_at,
            ends_at=sitting.ends_at,
            expected_people=spot.people,
            team_size=spot.team_size,
            lines=[
                WeekSlotLine(
                    stock_item_id=world.stock_items[name].id, quantity=quantity, per_people=per
                )
                for name, quantity, per in sitting.lines
            ],
        )
        for weekday in range(7)
        for sitting in spec.sittings
        for spot in spec.spots
    ]
    world.session.add_all(slots)
    world.session.flush()
    return slots


# --- the past weeks -------------------------------------------------------------------


def play_history(
    world: World, spec: DemoTeam, team: Team, slots: list[WeekSlot], today: date
) -> None:
    """Eight weeks of runs, a week at a time: what the week needs is delivered to the
    warehouse first, then each day's runs are planned, loaded, set off and recorded."""
    by_weekday: dict[int, list[WeekSlot]] = defaultdict(list)
    for slot in slots:
        by_weekday[slot.weekday].append(slot)
    first = today - timedelta(weeks=HISTORY_WEEKS)
    for week in range(HISTORY_WEEKS):
        days = [first + timedelta(weeks=week, days=offset) for offset in range(7)]
        runs = [
            (day, slot, rank)
            for day in days
            for slot, rank in pick_slots(world.rng, spec, by_weekday[day.weekday()])
        ]
        with ledger.dated(world.session, paris_moment(days[0], time(8, 30))):
            deliver(world, team, [slot for _day, slot, _rank in runs], days[0])
        for day, slot, rank in runs:
            run_past(world, spec, slot, day, rank)


def pick_slots(
    rng: random.Random, spec: DemoTeam, slots: list[WeekSlot]
) -> list[tuple[WeekSlot, int]]:
    """A few of the day's slots, each with its rank among those picked at the same time
    (the first takes the first van and lead, the next the second...)."""
    count = min(rng.choice(spec.history_counts), len(slots))
    picked = sorted(rng.sample(slots, count), key=lambda slot: (slot.starts_at, slot.id))
    ranks: dict[time, int] = defaultdict(int)
    ranked = []
    for slot in picked:
        ranked.append((slot, ranks[slot.starts_at]))
        ranks[slot.starts_at] += 1
    return ranked


def deliver(world: World, team: Team, slots: list[WeekSlot], monday: date) -> None:
    """The week's delivery: what the week's runs need beyond what the warehouse holds."""
    needs: dict[int, int] = defaultdict(int)
    for slot in slots:
        for line in slot.lines:
            needs[line.stock_item_id] += line.for_people(slot.expected_people)
    for stock_item_id, need in sorted(needs.items()):
        held = ledger.balance_of(world.session, team.departure_site_id, stock_item_id)
        if need > held:
            receive(
                world,
                team.departure_site_id,
                world.session.get_one(StockItem, stock_item_id),
                math.ceil((need - held) / 10) * 10,
                f"Livraison de la semaine du {monday:%d/%m/%Y}",
            )


def receive(world: World, site_id: int, stock_item: StockItem, quantity: int, note: str) -> None:
    receive_loose(
        world.session,
        actor=world.admin,
        site_id=site_id,
        line=LineInput(item_id=stock_item.item_id, quantity=quantity),
        note=note,
    )


def run_past(world: World, spec: DemoTeam, slot: WeekSlot, day: date, rank: int) -> None:
    session, admin = world.session, world.admin
    vehicle = world.vehicles.get(spec.vans[rank]) if rank < len(spec.vans) else None
    lead = world.leads.get(spec.leads[rank]) if rank < len(spec.leads) else None
    distribution = services.plan_distribution(
        session,
        actor=admin,
        team_id=slot.team_id,
        day=day,
        data=plan_input(slot, vehicle, lead),
        today=day,
    )
    for line in slot.lines:
        services.set_pick_line(
            session,
            actor=admin,
            distribution_id=distribution.id,
            item_id=line.stock_item.item_id,
            quantity=line.for_people(slot.expected_people),
        )
    runner = lead or admin
    loaded_at = paris_moment(day, slot.starts_at) - timedelta(hours=1)
    with ledger.dated(session, loaded_at):
        for pick in distribution.lines:
            services.load_loose(
                session,
                actor=runner,
                distribution_id=distribution.id,
                stock_item_id=pick.stock_item_id,
                quantity=pick.quantity,
            )
        services.set_off(session, actor=runner, distribution_id=distribution.id)
    recorded_at = paris_moment(day, slot.ends_at) + timedelta(hours=1)
    with ledger.dated(session, recorded_at):
        record_past_run(world, spec, distribution, runner)
    distribution.created_at = paris_moment(day - timedelta(days=3), time(10, 0))
    distribution.recorded_at = recorded_at
    session.execute(
        update(DistributionLoad)
        .where(DistributionLoad.distribution_id == distribution.id)
        .values(loaded_at=loaded_at)
    )


def plan_input(
    source: WeekSlot | Distribution, vehicle: Vehicle | None, lead: User | None, notes: str = ""
) -> services.DistributionInput:
    """A template slot, or a planned distribution, with its van and lead."""
    return services.DistributionInput(
        label=source.label,
        place_site_id=source.place_site_id,
        starts_at=source.starts_at,
        ends_at=source.ends_at,
        expected_people=source.expected_people,
        team_size=source.team_size,
        vehicle_id=vehicle.id if vehicle else None,
        lead_id=lead.id if lead else None,
        notes=notes,
    )


def record_past_run(world: World, spec: DemoTeam, distribution: Distribution, runner: User) -> None:
    rng = world.rng
    people = round(distribution.expected_people * rng.uniform(0.7, 1.1))
    minors = round(people * rng.uniform(*spec.minors_share))
    ratio = people / distribution.expected_people if distribution.expected_people else 1
    services.record_run(
        world.session,
        actor=runner,
        distribution_id=distribution.id,
        served=services.Served(
            adults=people - minors, minors=minors, families=rng.randint(*spec.families)
        ),
        loose={
            line.stock_item_id: outcome(rng, line.stock_item.item.name_en, line.quantity, ratio)
            for line in distribution.lines
        },
        crates_back=set(),
        notes=rng.choice(NOTES) if rng.random() < 0.15 else "",
    )


def outcome(rng: random.Random, name: str, loaded: int, ratio: float) -> services.LooseOutcome:
    """Handed out in step with the people who came; the rest back to the warehouse, bar
    a few lost or spoilt. Meals and bread not handed out are written off."""
    if name in ALL_GO:
        return services.LooseOutcome(handed_out=loaded, returned=0)
    handed_out = min(loaded, round(loaded * ratio * rng.uniform(0.92, 1.0)))
    rest = loaded - handed_out
    if name in PERISHABLE:
        return services.LooseOutcome(handed_out=handed_out, returned=0)
    lost = rng.randint(0, min(rest, 2)) if rng.random() < 0.2 else 0
    return services.LooseOutcome(handed_out=handed_out, returned=rest - lost)


# --- today and tomorrow ---------------------------------------------------------------


def stock_up(world: World, spec: DemoTeam, team: Team) -> None:
    """Bring the warehouse up to what today's demo stock should be, and put blankets on
    its need list, since the evening runs are short of them."""
    for name, target in spec.stock.items():
        stock_item = world.stock_items[name]
        held = ledger.balance_of(world.session, team.departure_site_id, stock_item.id)
        if target > held:
            receive(world, team.departure_site_id, stock_item, target - held, "Livraison du jour")
    if "Blanket" in spec.stock:
        set_need(
            world.session,
            actor=world.admin,
            site_id=team.departure_site_id,
            item_id=world.stock_items["Blanket"].item_id,
            target_quantity=150,
            priority=Priority.URGENT,
            note="10 par distribution du soir",
        )


def plan_coming_days(world: World, spec: DemoTeam, team: Team, today: date) -> None:
    """Today's and tomorrow's plans from the template; those made now get the vans and
    leads set so far, and today's first lunch is being loaded."""
    for offset in (0, 1):
        made = services.generate_day_plan(
            world.session, actor=world.admin, team_id=team.id, day=today + timedelta(days=offset)
        )
        for distribution in made:
            key = (spec.name, offset, distribution.label, distribution.place.name)
            vehicle, lead = ASSIGNMENTS.get(key, (None, None))
            runner = assign(world, distribution, vehicle, lead)
            if key in LOADING:
                load_some(world, distribution, LOADING[key], runner)


def assign(
    world: World, distribution: Distribution, vehicle: str | None, lead: Role | None
) -> User:
    """Set the van and lead (when there are some); returns who runs the distribution."""
    van = world.vehicles.get(vehicle) if vehicle else None
    person = world.leads.get(lead) if lead else None
    if van is None and person is None:
        return world.admin
    services.update_distribution(
        world.session,
        actor=world.admin,
        distribution_id=distribution.id,
        data=plan_input(distribution, van, person, distribution.notes),
    )
    return person or world.admin


def load_some(
    world: World, distribution: Distribution, quantities: dict[str, int], runner: User
) -> None:
    """Put some of the pick list on the van, as far as the warehouse holds it."""
    for name, wanted in quantities.items():
        stock_item = world.stock_items[name]
        held = ledger.balance_of(world.session, distribution.departure_site_id, stock_item.id)
        if min(wanted, held) > 0:
            services.load_loose(
                world.session,
                actor=runner,
                distribution_id=distribution.id,
                stock_item_id=stock_item.id,
                quantity=min(wanted, held),
            )
