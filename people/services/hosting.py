"""Hosts: offered on the public page or entered by a coordinator, their agreement, and
the calendar of nights they update themselves from a signed link, without an account.

A host's address is read by hosting coordinators only: `sees_addresses` says who."""

import re
from dataclasses import dataclass
from datetime import date, timedelta
from typing import assert_never

from flask_babel import gettext as _
from sqlalchemy import delete, select

from app.clock import local_today
from app.errors import Conflict, InvalidInput, NotFound
from app.extensions import Session
from app.links import LinkFault, LinkPurpose, UnreadableLink, issue_link, nonce_matches, read_link
from app.lookup import get_one
from app.models import Role, User
from logistics.models import Team
from logistics.services import get_team
from people.models import Host, HostingBoard, HostingGroup, HostingKind, HostNight, Placement

ADDRESS_READERS = frozenset({Role.HOSTING_COORDINATOR})
MAX_BEDS = 30
MAX_ADDRESS_LENGTH = 300
# How far ahead a host's calendar reaches, and how long its link works.
CALENDAR_DAYS = 56
CALENDAR_LINK_MAX_AGE_SECONDS = 90 * 24 * 3600
CALENDAR_LINK = LinkPurpose(salt="relais.host-calendar", row_key="host")
EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
PHONE = re.compile(r"\+?[\d .-]{6,31}")


def sees_addresses(user: User | None) -> bool:
    """Only hosting coordinators read where hosts live; everyone else sees towns."""
    return user is not None and user.role in ADDRESS_READERS


@dataclass(frozen=True)
class HostInput:
    team_id: int
    name: str
    town: str
    kind: HostingKind
    beds: int
    email: str = ""
    phone: str = ""
    # None keeps the address on file: those who may not read it type a new one or none.
    address: str | None = ""
    takes_families: bool = False
    takes_children_under_10: bool = False
    takes_minors_alone: bool = False
    agreement_signed_on: date | None = None


def one_line(text: str) -> str:
    return " ".join(str(text).split())


def clean_text(value: str, field: str, maximum: int, *, required: bool = False) -> str:
    text = one_line(value)
    if required and not text:
        raise InvalidInput(_("Please fill in this field."), field=field)
    if len(text) > maximum:
        raise InvalidInput(_("At most %(count)s characters, please.", count=maximum), field=field)
    return text


def clean_contact(email: str, phone: str) -> tuple[str, str]:
    email, phone = one_line(email).lower(), one_line(phone)
    if email and (len(email) > 254 or not EMAIL.fullmatch(email)):
        raise InvalidInput(_("This email address is not valid."), field="email")
    if phone and not PHONE.fullmatch(phone):
        raise InvalidInput(_("This phone number is not valid."), field="phone")
    if not email and not phone:
        raise InvalidInput(_("Give an email address or a phone number."), field="email")
    return email, phone


def check_host_input(session: Session, data: HostInput) -> Team:
    team = get_team(session, data.team_id)
    if not isinstance(data.kind, HostingKind):
        raise InvalidInput(_("Say what kind of hosting this is."), field="kind")
    if not isinstance(data.beds, int) or not 1 <= data.beds <= MAX_BEDS:
        raise InvalidInput(
            _("Give a number of beds from 1 to %(max)s.", max=MAX_BEDS), field="beds"
        )
    if data.agreement_signed_on is not None and data.agreement_signed_on > local_today():
        raise InvalidInput(
            _("An agreement cannot be signed in the future."), field="agreement_signed_on"
        )
    return team


def apply_host_input(host: Host, team: Team, data: HostInput) -> None:
    host.team = team
    host.name = clean_text(data.name, "name", 120, required=True)
    host.town = clean_text(data.town, "town", 80, required=True)
    host.email, host.phone = clean_contact(data.email, data.phone)
    if data.address is not None:
        address = str(data.address).strip()
        if len(address) > MAX_ADDRESS_LENGTH:
            raise InvalidInput(
                _("At most %(count)s characters, please.", count=MAX_ADDRESS_LENGTH),
                field="address",
            )
        host.address = address
    host.kind = data.kind
    host.beds = data.beds
    host.takes_families = bool(data.takes_families)
    host.takes_children_under_10 = bool(data.takes_children_under_10)
    host.takes_minors_alone = bool(data.takes_minors_alone)


def save_host(
    session: Session, *, actor: User, data: HostInput, host_id: int | None = None
) -> Host:
    """Enter a host, or change one (a coordinator records the agreement's date here)."""
    team = check_host_input(session, data)
    host = Host() if host_id is None else get_host(session, host_id)
    apply_host_input(host, team, data)
    host.agreement_signed_on = data.agreement_signed_on
    if data.agreement_signed_on is not None:
        host.offered_publicly = False
    session.add(host)
    session.flush()
    return host


def offer_hosting(session: Session, *, data: HostInput) -> Host:
    """Someone offers to host on the public page: kept until a hosting coordinator
    meets them and records the signed agreement."""
    team = check_host_input(session, data)
    host = Host(offered_publicly=True, agreement_signed_on=None)
    apply_host_input(host, team, data)
    session.add(host)
    session.flush()
    return host


def get_host(session: Session, host_id: object, *, for_update: bool = False) -> Host:
    if not isinstance(host_id, int) or isinstance(host_id, bool):
        raise NotFound(_("Choose a host."), field="host_id")
    missing = _("There is no host number %(id)s.", id=host_id)
    return get_one(session, Host, host_id, lock=for_update, missing=missing, field="host_id")


# --- the calendar and its link --------------------------------------------------------


def issue_calendar_token(session: Session, host: Host) -> str:
    """A token for the host's calendar link; the links sent before stop working."""
    token, host.calendar_nonce = issue_link(CALENDAR_LINK, host.id)
    session.flush()
    return token


def host_for_calendar_token(session: Session, token: str) -> Host:
    """The host a calendar link was made for, while it works (90 days, until a new one)."""
    replaced = _("This link was replaced by a newer one: use the last one you received.")
    try:
        link = read_link(CALENDAR_LINK, token, max_age_seconds=CALENDAR_LINK_MAX_AGE_SECONDS)
    except UnreadableLink as unreadable:
        match unreadable.fault:
            case LinkFault.EXPIRED:
                message = _("This link has expired: ask the hosting team for a new one.")
                raise Conflict(message) from unreadable
            case LinkFault.TAMPERED:
                message = _("This link is not valid: it may have been cut short.")
                raise NotFound(message) from unreadable
            case LinkFault.MALFORMED:
                raise Conflict(replaced) from unreadable
            case unknown:
                assert_never(unknown)
    host = session.get(Host, link.row_id)
    if host is None or not nonce_matches(host.calendar_nonce, link.nonce):
        raise Conflict(replaced)
    return host


def calendar_nights(today: date | None = None) -> list[date]:
    """The nights a host's calendar shows: from tonight, CALENDAR_DAYS of them."""
    start = today or local_today()
    return [start + timedelta(days=n) for n in range(CALENDAR_DAYS)]


def available_nights(session: Session, host_id: int, nights: list[date]) -> set[date]:
    return set(
        session.scalars(
            select(HostNight.night).where(
                HostNight.host_id == host_id,
                HostNight.night >= nights[0],
                HostNight.night <= nights[-1],
            )
        )
    )


def nights_with_people(session: Session, host_id: int, nights: list[date]) -> set[date]:
    """The nights of the calendar on which the host has people placed."""
    first, last = nights[0], nights[-1]
    busy = set(
        session.scalars(
            select(HostingBoard.night)
            .join(HostingGroup, HostingGroup.board_id == HostingBoard.id)
            .where(
                HostingGroup.host_id == host_id,
                HostingBoard.night >= first,
                HostingBoard.night <= last,
            )
        )
    )
    for starts_on, ends_on in session.execute(
        select(Placement.starts_on, Placement.ends_on).where(
            Placement.host_id == host_id, Placement.starts_on <= last, Placement.ends_on > first
        )
    ):
        busy.update(night for night in nights if starts_on <= night < ends_on)
    return busy


def set_host_nights(
    session: Session, *, host: Host, nights: set[date], today: date | None = None
) -> set[date]:
    """The host says which nights of their calendar they can take people. A night on
    which people are already placed with them stays: they call the team instead."""
    shown = calendar_nights(today)
    if not nights <= set(shown):
        raise InvalidInput(_("Choose nights from the calendar shown."), field="nights")
    kept = nights_with_people(session, host.id, shown) - nights
    if kept:
        raise Conflict(
            _(
                "People are placed with you on %(count)s of the nights you took off: "
                "call the hosting team to change them.",
                count=len(kept),
            )
        )
    session.execute(
        delete(HostNight).where(
            HostNight.host_id == host.id, HostNight.night >= shown[0], HostNight.night <= shown[-1]
        )
    )
    session.add_all(HostNight(host_id=host.id, night=night) for night in sorted(nights))
    session.flush()
    return nights
