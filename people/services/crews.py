"""The day board's crews (registered with logistics.staffing): for each distribution,
the people on its team's shifts that overlap it, and what is short. A team's runs that
overlap in time draw on the same shifts, so they are judged together: two runs at 18:00
that need 3 people each need 6 on shift, and two vans out at once need two drivers."""

from collections import defaultdict
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, time
from typing import TypeVar

from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import select

from app.extensions import Session
from app.models import User
from logistics.models import Distribution, DistributionStatus
from logistics.staffing import Crew
from people.models import Shift, Volunteer

# The runs whose crew is busy with them: a run that is done or cancelled frees its crew.
BUSY = (DistributionStatus.PLANNED, DistributionStatus.LOADING, DistributionStatus.OUT)

DayKey = tuple[int, date]
Row = TypeVar("Row", Shift, Distribution)


@dataclass(frozen=True)
class Together:
    """Runs of one team out at the same moment: the people and vans they need, and the
    people and licensed drivers on the shifts that overlap the time they share."""

    need: int
    vans: int
    on_shift: int
    drivers: int


def overlaps(shift: Shift, starts_at: time, ends_at: time) -> bool:
    return shift.starts_at < ends_at and starts_at < shift.ends_at


def covers(shift: Shift, distribution: Distribution) -> bool:
    return overlaps(shift, distribution.starts_at, distribution.ends_at)


def on_shift(shifts: Sequence[Shift], starts_at: time, ends_at: time) -> dict[int, User]:
    """The people on the shifts that overlap this time, by user id."""
    return {
        place.user_id: place.user
        for shift in shifts
        if overlaps(shift, starts_at, ends_at)
        for place in shift.places
    }


def together(
    runs: Collection[Distribution], shifts: Sequence[Shift], drivers: set[int]
) -> Together:
    people = on_shift(shifts, max(run.starts_at for run in runs), min(run.ends_at for run in runs))
    return Together(
        need=sum(run.team_size for run in runs),
        vans=len({run.vehicle_id for run in runs if run.vehicle_id is not None}),
        on_shift=len(people),
        drivers=len(drivers & people.keys()),
    )


def runs_together(
    distribution: Distribution,
    team_runs: Sequence[Distribution],
    shifts: Sequence[Shift],
    drivers: set[int],
) -> list[Together]:
    """The sets of the team's runs out at the same moment as this one. Most are out at
    once when one of them starts, so the moments looked at are the starts during it."""
    moments = {distribution.starts_at} | {
        run.starts_at
        for run in team_runs
        if distribution.starts_at <= run.starts_at < distribution.ends_at
    }
    groups = {
        frozenset(
            [distribution] + [run for run in team_runs if run.starts_at <= moment < run.ends_at]
        )
        for moment in moments
    }
    return [together(runs, shifts, drivers) for runs in groups if len(runs) > 1]


def people_problem(
    distribution: Distribution, people: Mapping[int, User], groups: Sequence[Together]
) -> str | None:
    short = [group for group in groups if group.on_shift < group.need]
    if short:
        worst = max(short, key=lambda group: (group.need - group.on_shift, group.need))
        return ngettext(
            "Runs at the same time need %(num)s person together; %(on)s on shift.",
            "Runs at the same time need %(num)s people together; %(on)s on shift.",
            worst.need,
            on=worst.on_shift,
        )
    if len(people) < distribution.team_size:
        return _(
            "%(on)s on shift, the team needs %(size)s.",
            on=len(people),
            size=distribution.team_size,
        )
    return None


def driver_problem(
    distribution: Distribution,
    people: Mapping[int, User],
    drivers: set[int],
    groups: Sequence[Together],
) -> str | None:
    if distribution.vehicle is None:
        return None
    short = [group for group in groups if group.vans > 1 and group.drivers < group.vans]
    if short:
        worst = max(short, key=lambda group: (group.vans - group.drivers, group.vans))
        return ngettext(
            "%(vans)s vans out at the same time, %(num)s driver with a licence on shift.",
            "%(vans)s vans out at the same time, %(num)s drivers with a licence on shift.",
            worst.drivers,
            vans=worst.vans,
        )
    if not drivers & people.keys():
        return _(
            "%(vehicle)s has no driver with a licence on shift.",
            vehicle=distribution.vehicle.name,
        )
    return None


def lead_problem(distribution: Distribution, people: Mapping[int, User]) -> str | None:
    if distribution.lead_id is None or distribution.lead_id in people:
        return None
    name = distribution.lead.name if distribution.lead else ""
    return _("The lead, %(name)s, is not on shift.", name=name)


def crew_problems(
    distribution: Distribution,
    people: Mapping[int, User],
    drivers: set[int],
    groups: Sequence[Together],
) -> tuple[str, ...]:
    """A shortfall of the runs together is said once, in place of the run's own."""
    found = (
        driver_problem(distribution, people, drivers, groups),
        people_problem(distribution, people, groups),
        lead_problem(distribution, people),
    )
    return tuple(problem for problem in found if problem is not None)


def by_team_and_day(rows: Sequence[Row]) -> dict[DayKey, list[Row]]:
    grouped: dict[DayKey, list[Row]] = defaultdict(list)
    for row in rows:
        grouped[(row.team_id, row.day)].append(row)
    return grouped


def licensed_drivers(session: Session, user_ids: set[int]) -> set[int]:
    return {
        user_id
        for user_id in session.scalars(
            select(Volunteer.user_id).where(
                Volunteer.user_id.in_(user_ids), Volunteer.driving_licence
            )
        )
        if user_id is not None  # the column may hold NULL; the IN above never matches one
    }


def distribution_crews(session: Session, distributions: Sequence[Distribution]) -> dict[int, Crew]:
    """For each distribution whose team has shifts that day: the people on the shifts
    that cover it, and whether its van has a driver, its team enough people and its lead
    a shift, together with the team's runs at the same time. A team that plans no shifts
    for the day is not judged by them."""
    if not distributions:
        return {}
    teams = {distribution.team_id for distribution in distributions}
    days = {distribution.day for distribution in distributions}
    shifts = session.scalars(
        select(Shift).where(Shift.team_id.in_(teams), Shift.day.in_(days))
    ).all()
    runs = session.scalars(
        select(Distribution).where(
            Distribution.team_id.in_(teams),
            Distribution.day.in_(days),
            Distribution.status.in_(BUSY),
        )
    ).all()
    shifts_of, runs_of = by_team_and_day(shifts), by_team_and_day(runs)
    drivers = licensed_drivers(
        session, {place.user_id for shift in shifts for place in shift.places}
    )
    crews = {}
    for distribution in distributions:
        key = (distribution.team_id, distribution.day)
        day_shifts = shifts_of.get(key)
        if not day_shifts:
            continue
        people = on_shift(day_shifts, distribution.starts_at, distribution.ends_at)
        groups = runs_together(distribution, runs_of.get(key, []), day_shifts, drivers)
        names = tuple(sorted(user.name for user in people.values()))
        crews[distribution.id] = Crew(names, crew_problems(distribution, people, drivers, groups))
    return crews
