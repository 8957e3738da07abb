"""Who holds a crate when its site cannot say: a package that takes crates away from a
site for a while (logistics, loading them on a van for a run) registers a lookup here at
start-up. Inventory imports nothing of that package: the crate page and check-in ask
here, so a held crate shows where it is and cannot be checked in by mistake."""

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from app.extensions import Session
from inventory.models import Crate, CrateState


@dataclass(frozen=True)
class Holder:
    """Where a crate in stock really is, and where to go to take it back."""

    badge: str  # stands in for the state on the crate page: "On a van"
    description: str  # "On the Calais van, Lunch at rue des Verrotières"
    release: str  # how to get it back: "Take it off the van on its run's page."
    link_label: str  # the link to that page
    endpoint: str  # for url_for
    values: Mapping[str, object] = field(default_factory=dict)


HolderLookup = Callable[[Session, Crate], Holder | None]

LOOKUPS: list[HolderLookup] = []


def register_holder_lookup(lookup: HolderLookup) -> None:
    """Called from a package's init_app; registering the same lookup twice (one app per
    test) keeps one."""
    if lookup not in LOOKUPS:
        LOOKUPS.append(lookup)


def find_holder(session: Session, crate: Crate) -> Holder | None:
    if crate.state != CrateState.IN_STOCK:
        return None
    for lookup in LOOKUPS:
        holder = lookup(session, crate)
        if holder is not None:
            return holder
    return None
