"""Who works a distribution, when a package that knows (people, from its shifts)
registers a lookup here at start-up. Logistics imports nothing of that package: the
day board asks here and shows the crew and its problems next to its own checks."""

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

from app.extensions import Session
from logistics.models import Distribution


@dataclass(frozen=True)
class Crew:
    """The people on the shifts that cover a distribution, and what is wrong with it:
    "No driver with a licence on shift", "2 people on shift, the team needs 4"."""

    names: tuple[str, ...]
    problems: tuple[str, ...] = field(default=())


CrewLookup = Callable[[Session, Sequence[Distribution]], Mapping[int, Crew]]

LOOKUPS: list[CrewLookup] = []


def register_crew_lookup(lookup: CrewLookup) -> None:
    """Called from a package's init_app; registering the same lookup twice (one app per
    test) keeps one."""
    if lookup not in LOOKUPS:
        LOOKUPS.append(lookup)


def crews_of(session: Session, distributions: Sequence[Distribution]) -> dict[int, Crew]:
    """Each distribution's crew, by distribution id, from the first lookup that knows it."""
    found: dict[int, Crew] = {}
    for lookup in LOOKUPS:
        for distribution_id, crew in lookup(session, distributions).items():
            found.setdefault(distribution_id, crew)
    return found
