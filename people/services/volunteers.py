"""Volunteers: the public sign-up, a coordinator's review (accepting makes an account
with the team's sites), one-time sign-in links, what a volunteer may export and erase,
and dropping phone numbers once people have left. None of these functions commits."""

import re
import secrets
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from app.auth import normalise_email
from app.clock import utcnow
from app.errors import Conflict, InvalidInput, NotFound
from app.extensions import Session
from app.links import LinkFault, LinkPurpose, UnreadableLink, issue_link, nonce_matches, read_link
from app.lookup import get_one
from app.models import Role, User
from inventory.models import Site
from logistics.models import Team, WeekSlot
from logistics.services import get_team
from people.models import BedBooking, Shift, ShiftPlace, SignUpStatus, Volunteer

SIGN_IN_LINK = LinkPurpose(salt="relais.people.volunteer-sign-in", row_key="volunteer")
EMAIL_PATTERN = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
MAX_NAME = 120
MAX_PHONE = 40
MAX_LANGUAGES = 200
MAX_STAY_DAYS = 366
PHONE_PATTERN = re.compile(r"^\+?[0-9 .()-]{6,40}$")


class LinkRefused(Conflict):
    """A sign-in link that cannot be used: out of date, used, or replaced."""

    code = "link_refused"


@dataclass(frozen=True)
class SignUp:
    """What a person typed on the sign-up page."""

    name: str
    email: str
    phone: str
    languages: str
    driving_licence: bool
    arrives_on: date | None
    leaves_on: date | None
    team_id: int | None
    local_group: str
    needs_bed: bool
    consent_contact: bool
    locale: str


@dataclass(frozen=True)
class SignUpResult:
    volunteer: Volunteer | None
    updated: bool  # an earlier sign-up with this email was changed
    already_volunteer: bool  # accepted already: nothing changed


def one_line(text: str) -> str:
    return " ".join(text.split())


def clean_text(value: str, limit: int, field: str, message: str, *, required: bool) -> str:
    clean = one_line(value)
    if (required and not clean) or len(clean) > limit:
        raise InvalidInput(message, field=field)
    return clean


def validate_sign_up(session: Session, data: SignUp, today: date) -> dict[str, Any]:
    """The sign-up's values as kept, once every one is acceptable."""
    name = clean_text(
        data.name, MAX_NAME, "name", _("Give your name (120 characters at most)."), required=True
    )
    email = normalise_email(data.email)
    if not EMAIL_PATTERN.match(email) or len(email) > 254:
        raise InvalidInput(_("Give an email address such as name@example.org."), field="email")
    phone = one_line(data.phone)
    if phone and not PHONE_PATTERN.match(phone):
        raise InvalidInput(_("Give a phone number such as +33 6 12 34 56 78."), field="phone")
    languages = clean_text(
        data.languages,
        MAX_LANGUAGES,
        "languages",
        _("Say which languages you speak (200 characters at most)."),
        required=True,
    )
    if data.arrives_on is None:
        raise InvalidInput(_("Give the day you arrive."), field="arrives_on")
    if data.leaves_on is None:
        raise InvalidInput(_("Give the day you leave."), field="leaves_on")
    if data.arrives_on < today:
        raise InvalidInput(_("The day you arrive cannot be in the past."), field="arrives_on")
    if data.leaves_on < data.arrives_on:
        raise InvalidInput(
            _("The day you leave must come after the day you arrive."), field="leaves_on"
        )
    if (data.leaves_on - data.arrives_on).days > MAX_STAY_DAYS:
        raise InvalidInput(_("A stay lasts a year at most."), field="leaves_on")
    local_group = one_line(data.local_group)
    team_id = None
    if data.team_id is not None:
        team_id = get_team(session, data.team_id).id
    elif not local_group:
        raise InvalidInput(_("Choose a team, or name your local group."), field="team_id")
    if len(local_group) > MAX_NAME:
        raise InvalidInput(_("A group's name is 120 characters at most."), field="local_group")
    if not data.consent_contact:
        raise InvalidInput(
            _("We need your consent to contact you about your stay."), field="consent_contact"
        )
    return {
        "name": name,
        "email": email,
        "phone": phone,
        "languages": languages,
        "driving_licence": data.driving_licence,
        "arrives_on": data.arrives_on,
        "leaves_on": data.leaves_on,
        "team_id": team_id,
        "local_group": "" if team_id else local_group,
        "needs_bed": data.needs_bed,
        "consent_contact": True,
        "locale": data.locale if data.locale in ("fr", "en") else "fr",
    }


def sign_up(session: Session, data: SignUp, *, today: date) -> SignUpResult:
    """Record a sign-up. The same email again changes the sign-up waiting for review (or
    a declined one, which waits again); an accepted volunteer's changes nothing."""
    values = validate_sign_up(session, data, today)
    volunteer = session.scalar(
        select(Volunteer).where(Volunteer.email == values["email"]).with_for_update(of=Volunteer)
    )
    if volunteer is not None and volunteer.status == SignUpStatus.ACCEPTED:
        return SignUpResult(volunteer, updated=False, already_volunteer=True)
    if volunteer is None:
        return SignUpResult(add_sign_up(session, values), updated=False, already_volunteer=False)
    for key, value in values.items():
        setattr(volunteer, key, value)
    volunteer.status = SignUpStatus.PENDING
    session.flush()
    return SignUpResult(volunteer, updated=True, already_volunteer=False)


def add_sign_up(session: Session, values: dict[str, Any]) -> Volunteer:
    """A new sign-up; the same address sent twice at the same moment is kept once."""
    volunteer = Volunteer(**values, status=SignUpStatus.PENDING)
    try:
        with session.begin_nested():
            session.add(volunteer)
    except IntegrityError as error:
        raise Conflict(
            _("This sign-up arrived twice at the same moment: it is kept once."), field="email"
        ) from error
    return volunteer


# --- review ---------------------------------------------------------------------------


def get_volunteer(session: Session, volunteer_id: int, *, for_update: bool = False) -> Volunteer:
    missing = _("There is no volunteer number %(id)s.", id=volunteer_id)
    volunteer = get_one(session, Volunteer, volunteer_id, lock=for_update, missing=missing)
    if volunteer.erased_at is not None:
        raise NotFound(missing)
    return volunteer


def volunteer_of(session: Session, user: User) -> Volunteer | None:
    return session.scalar(select(Volunteer).where(Volunteer.user_id == user.id))


def team_sites(session: Session, team: Team) -> list[Site]:
    """Where a team's volunteers work: its warehouse and the places of its week."""
    places = session.scalars(
        select(Site).where(
            Site.id.in_(select(WeekSlot.place_site_id).where(WeekSlot.team_id == team.id))
        )
    ).all()
    return [team.departure_site, *[site for site in places if site.id != team.departure_site_id]]


def accept_volunteer(session: Session, *, actor: User, volunteer_id: int) -> Volunteer:
    """Make the volunteer's account, with the team's sites. Their sign-in link is issued
    by issue_sign_in_token and sent once this is committed."""
    volunteer = get_volunteer(session, volunteer_id, for_update=True)
    if volunteer.status == SignUpStatus.ACCEPTED:
        raise Conflict(_("%(name)s is already accepted.", name=volunteer.name))
    email = volunteer.email or ""
    if session.scalar(select(User.id).where(User.email == email)) is not None:
        raise Conflict(
            _("An account with the address %(email)s already exists.", email=email),
            field="email",
        )
    user = User(
        email=email,
        display_name=volunteer.name,
        role=Role.VOLUNTEER,
        locale=volunteer.locale,
        sites=team_sites(session, volunteer.team) if volunteer.team else [],
    )
    user.set_password(secrets.token_urlsafe(32))  # nobody knows it: they sign in by link
    session.add(user)
    session.flush()
    volunteer.user_id = user.id
    volunteer.status = SignUpStatus.ACCEPTED
    volunteer.reviewed_at, volunteer.reviewed_by_id = utcnow(), actor.id
    session.flush()
    return volunteer


def decline_volunteer(session: Session, *, actor: User, volunteer_id: int) -> Volunteer:
    volunteer = get_volunteer(session, volunteer_id, for_update=True)
    if volunteer.status != SignUpStatus.PENDING:
        raise Conflict(_("Only a sign-up waiting for review can be declined."))
    volunteer.status = SignUpStatus.DECLINED
    volunteer.reviewed_at, volunteer.reviewed_by_id = utcnow(), actor.id
    session.flush()
    return volunteer


# --- sign-in links --------------------------------------------------------------------


def issue_sign_in_token(session: Session, volunteer: Volunteer) -> str:
    """A token for a new sign-in link; any link sent before stops working."""
    token, volunteer.sign_in_nonce = issue_link(SIGN_IN_LINK, volunteer.id)
    session.flush()
    return token


def use_sign_in_token(session: Session, token: str) -> User:
    """The account a link signs in; the link cannot be used again."""
    max_age = current_app.config["VOLUNTEER_LINK_DAYS"] * 86_400
    try:
        link = read_link(SIGN_IN_LINK, token, max_age_seconds=max_age)
    except UnreadableLink as unreadable:
        if unreadable.fault is LinkFault.EXPIRED:
            raise LinkRefused(
                _("This sign-in link has expired: ask for a new one.")
            ) from unreadable
        raise NotFound(_("This sign-in link is not valid.")) from unreadable
    volunteer = session.scalar(
        select(Volunteer).where(Volunteer.id == link.row_id).with_for_update(of=Volunteer)
    )
    if (
        volunteer is None
        or volunteer.user is None
        or not volunteer.user.active
        or not nonce_matches(volunteer.sign_in_nonce, link.nonce)
    ):
        raise LinkRefused(
            _("This sign-in link was already used, or a newer one was sent: each link works once.")
        )
    volunteer.sign_in_nonce = None
    session.flush()
    return volunteer.user


def find_accepted(session: Session, email: str) -> Volunteer | None:
    return session.scalar(
        select(Volunteer).where(
            Volunteer.email == normalise_email(email), Volunteer.status == SignUpStatus.ACCEPTED
        )
    )


# --- their data -----------------------------------------------------------------------


def export_volunteer(session: Session, volunteer: Volunteer) -> dict[str, Any]:
    """Everything Relais stores about the volunteer, as plain data."""
    places = session.execute(
        select(Shift, ShiftPlace)
        .join(ShiftPlace, ShiftPlace.shift_id == Shift.id)
        .where(ShiftPlace.user_id == volunteer.user_id)
        .order_by(Shift.day, Shift.starts_at)
    ).all()
    bookings = session.scalars(
        select(BedBooking)
        .where(BedBooking.volunteer_id == volunteer.id)
        .order_by(BedBooking.arrives_on)
    ).all()
    return {
        "volunteer": {
            "name": volunteer.name,
            "email": volunteer.email,
            "phone": volunteer.phone,
            "languages": volunteer.languages,
            "driving_licence": volunteer.driving_licence,
            "arrives_on": volunteer.arrives_on.isoformat(),
            "leaves_on": volunteer.leaves_on.isoformat(),
            "team": volunteer.team.name if volunteer.team else None,
            "local_group": volunteer.local_group,
            "needs_bed": volunteer.needs_bed,
            "consent_contact": volunteer.consent_contact,
            "status": volunteer.status.value,
            "signed_up_at": volunteer.created_at.isoformat(),
        },
        "shifts": [
            {
                "day": shift.day.isoformat(),
                "team": shift.team.name,
                "kind": shift.kind.value,
                "starts_at": shift.starts_at.strftime("%H:%M"),
                "ends_at": shift.ends_at.strftime("%H:%M"),
            }
            for shift, _place in places
        ],
        "bed_bookings": [
            {
                "place": booking.place.name,
                "arrives_on": booking.arrives_on.isoformat(),
                "leaves_on": booking.leaves_on.isoformat(),
                "amount_cents": booking.amount_cents,
                "status": booking.status.value,
            }
            for booking in bookings
        ],
    }


def erase_volunteer(session: Session, volunteer: Volunteer, *, today: date) -> None:
    """Blank what identifies the volunteer and close their account. Their past shifts
    and paid bed nights stay as counts; their places on shifts to come are freed."""
    user = volunteer.user
    if user is not None:
        session.execute(
            ShiftPlace.__table__.delete().where(
                ShiftPlace.user_id == user.id,
                ShiftPlace.shift_id.in_(select(Shift.id).where(Shift.day >= today)),
            )
        )
        user.email = f"erased-{user.id}@relais.invalid"
        user.display_name = _("Former volunteer")
        user.active = False
        user.end_sessions()
    volunteer.name = ""
    volunteer.email = None
    volunteer.phone = ""
    volunteer.languages = ""
    volunteer.local_group = ""
    volunteer.consent_contact = False
    volunteer.sign_in_nonce = None
    volunteer.erased_at = utcnow()
    session.flush()


def prune_phones(session: Session, *, today: date, keep_days: int) -> int:
    """Drop the phone numbers of volunteers who left more than `keep_days` ago; how many."""
    result = session.execute(
        update(Volunteer)
        .where(Volunteer.phone != "", Volunteer.leaves_on < today - timedelta(days=keep_days))
        .values(phone="")
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]
