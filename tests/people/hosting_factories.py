"""Teams, hosts with their calendars and groups for the hosting tests, made through the
services as a coordinator or a host would make them."""

from datetime import date, timedelta
from typing import Any

from sqlalchemy.orm import Session

from app.clock import local_today
from app.models import User
from inventory.models import Site
from logistics.models import Team
from people.models import Host, HostingGroup, HostingKind
from people.services import hosting, placements
from people.services.placements import Counts
from tests.logistics.factories import add_team


def hosting_team(session: Session, site: Site) -> Team:
    return add_team(session, f"Hosting team {site.id}", site.id)


def add_host(
    session: Session,
    actor: User,
    team: Team,
    *,
    nights: set[date] | None = None,
    **overrides: Any,
) -> Host:
    """A host with a signed agreement, available tonight unless told otherwise, who
    takes every kind of group."""
    data = {
        "team_id": team.id,
        "name": "Claire Hôte",
        "town": "Montreuil",
        "kind": HostingKind.ONE_NIGHT,
        "beds": 4,
        "email": "claire@example.org",
        "address": "12 rue Secrète",
        "takes_families": True,
        "takes_children_under_10": True,
        "takes_minors_alone": True,
        "agreement_signed_on": local_today() - timedelta(days=30),
        **overrides,
    }
    host = hosting.save_host(session, actor=actor, data=hosting.HostInput(**data))
    hosting.set_host_nights(
        session, host=host, nights={local_today()} if nights is None else nights
    )
    return host


def add_group(
    session: Session,
    actor: User,
    team: Team,
    night: date | None = None,
    **counts: Any,
) -> HostingGroup:
    values = {"adults": 1, "minors": 0, "children_under_10": 0, **counts}
    return placements.record_group(
        session, actor=actor, team_id=team.id, night=night or local_today(), counts=Counts(**values)
    )
