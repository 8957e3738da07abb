"""Demo data of citizen hosting, made through the real services: 80 Paris hosts with
signed agreements and calendars, six hosts in the regions for longer stays (two of them
ending within days), and eight weeks of nights with 30 to 40 people each, about half of
them children under 10, placed with the hosts, a few not placed. Tonight is recorded and
partly placed, still open. Safe to run again: nothing is added once hosts exist."""

import random
from datetime import date, timedelta

from sqlalchemy import select

from app.clock import local_today
from app.extensions import Session
from app.models import Role, User
from logistics.models import Team
from people import queries
from people.models import Host, HostingKind
from people.services import hosting, placements
from people.services.placements import Counts

SEED = 2027
WEEKS = 8
PARIS_HOSTS = 80
TOWNS = (
    "Paris 11e", "Paris 12e", "Paris 14e", "Paris 18e", "Paris 19e", "Paris 20e",
    "Montreuil", "Saint-Denis", "Pantin", "Vincennes", "Ivry-sur-Seine", "Aubervilliers",
)  # fmt: skip
FIRST_NAMES = (
    "Anne", "Bruno", "Claire", "David", "Élise", "François", "Gaëlle", "Hugo", "Inès",
    "Julien", "Karine", "Louis", "Manon", "Nicolas", "Odile", "Pierre",
)  # fmt: skip
REGIONAL = (
    ("Quimper", "Finistère"), ("Brest", "Finistère"), ("Tours", "Indre-et-Loire"),
    ("Lille", "Nord"), ("Rennes", "Ille-et-Vilaine"), ("Versailles", "Yvelines"),
)  # fmt: skip


def seed(session: Session) -> None:
    team = session.scalar(select(Team).where(Team.name == "Paris"))
    actor = session.scalar(
        select(User).where(User.role == Role.HOSTING_COORDINATOR).order_by(User.id)
    ) or session.scalar(select(User).where(User.role == Role.ADMIN).order_by(User.id))
    if team is None or actor is None or session.scalar(select(Host.id).limit(1)) is not None:
        return
    rng = random.Random(SEED)
    today = local_today()
    first = today - timedelta(weeks=WEEKS)
    paris = [add_paris_host(session, actor, team, rng, n, first) for n in range(PARIS_HOSTS)]
    for host in paris:
        give_calendar(session, host, rng, first, today, share=0.55)
    regional = [add_regional_host(session, actor, team, town, n) for n, town in enumerate(REGIONAL)]
    for host in regional:
        give_calendar(session, host, rng, first, today, share=1.0)
    add_stays(session, actor, team, regional, today)
    for n in range(WEEKS * 7):
        run_night(session, actor, team, rng, first + timedelta(days=n), close=True)
    run_night(session, actor, team, rng, today, close=False)


def add_paris_host(
    session: Session, actor: User, team: Team, rng: random.Random, n: int, first: date
) -> Host:
    name = f"{FIRST_NAMES[n % len(FIRST_NAMES)]} {chr(65 + n % 26)}."
    return hosting.save_host(
        session,
        actor=actor,
        data=hosting.HostInput(
            team_id=team.id,
            name=name,
            town=TOWNS[n % len(TOWNS)],
            kind=HostingKind.ONE_NIGHT,
            beds=rng.choice((1, 2, 2, 3, 3, 4, 5, 6)),
            email=f"hote{n + 1}@example.org",
            phone=f"06 12 34 {n // 10:02d} {n % 100:02d}",
            address=f"{n + 3} rue des Hôtes",
            takes_families=rng.random() < 0.5,
            takes_children_under_10=rng.random() < 0.6,
            takes_minors_alone=rng.random() < 0.25,
            agreement_signed_on=first - timedelta(days=rng.randint(10, 400)),
        ),
    )


def add_regional_host(
    session: Session, actor: User, team: Team, place: tuple[str, str], n: int
) -> Host:
    town, region = place
    return hosting.save_host(
        session,
        actor=actor,
        data=hosting.HostInput(
            team_id=team.id,
            name=f"Famille {chr(75 + n)}.",
            town=f"{town} ({region})",
            kind=HostingKind.LONGER,
            beds=2 + n % 2,
            email=f"region{n + 1}@example.org",
            address=f"{n + 1} chemin des Landes, {town}",
            takes_families=False,
            takes_children_under_10=False,
            takes_minors_alone=True,
            agreement_signed_on=local_today() - timedelta(days=200 + 30 * n),
        ),
    )


def give_calendar(
    session: Session, host: Host, rng: random.Random, first: date, today: date, share: float
) -> None:
    """The host ticks `share` of the nights from `first`, as on their calendar page,
    one window of the calendar at a time."""
    start = first
    while start <= today:
        nights = hosting.calendar_nights(start)
        chosen = {night for night in nights if rng.random() < share}
        hosting.set_host_nights(session, host=host, nights=chosen, today=start)
        start = nights[-1] + timedelta(days=1)


def add_stays(session: Session, actor: User, team: Team, hosts: list[Host], today: date) -> None:
    """Young people waiting for papers: two stays end within days, the others later."""
    lengths = ((-30, 2), (-20, 3), (-10, 25), (-5, 40), (-2, 30))
    for host, (started, nights) in zip(hosts, lengths, strict=False):
        starts_on = max(today + timedelta(days=started), today - timedelta(weeks=WEEKS))
        placements.add_placement(
            session,
            actor=actor,
            data=placements.PlacementInput(
                team_id=team.id,
                host_id=host.id,
                starts_on=starts_on,
                ends_on=today + timedelta(days=nights),
                counts=Counts(adults=0, minors=1 + host.id % 2, children_under_10=0),
            ),
        )


def demo_groups(rng: random.Random) -> list[Counts]:
    """30 to 40 people, about half of them children under 10: families, adults alone,
    and a few minors alone."""
    wanted = rng.randint(30, 40)
    groups: list[Counts] = []
    while (left := wanted - sum(group.people for group in groups)) > 0:
        roll = rng.random()
        if roll < 0.55:
            group = Counts(rng.choice((1, 2)), rng.choice((0, 0, 1)), rng.randint(1, 3), True)
        elif roll < 0.85:
            group = Counts(rng.choice((1, 1, 2)), 0, 0)
        else:
            group = Counts(0, rng.choice((1, 1, 2)), 0)
        groups.append(group if group.people <= left else Counts(left, 0, 0))
    return groups


def run_night(
    session: Session, actor: User, team: Team, rng: random.Random, night: date, *, close: bool
) -> None:
    recorded = [
        placements.record_group(session, actor=actor, team_id=team.id, night=night, counts=counts)
        for counts in demo_groups(rng)
    ]
    # Some groups come after the last host has gone to bed: they stay unplaced.
    late = rng.choice((0, 0, 0, 1, 2))
    for group in recorded[: len(recorded) - late]:
        if not close and rng.random() < 0.5:
            continue
        fitting = queries.hosts_fitting(queries.available_hosts(session, team.id, night), group)
        if fitting:
            placements.place_group(
                session, actor=actor, group_id=group.id, host_id=rng.choice(fitting[:5]).host.id
            )
    if close:
        placements.close_night(session, actor=actor, team_id=team.id, night=night)
