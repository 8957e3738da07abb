"""Volunteers: their sign-up, the account made when a coordinator accepts it, each
team's week of shifts (a template like the distribution week), the shifts made from it
day by day, and who is on each."""

from __future__ import annotations

from datetime import date, datetime, time

from flask_babel import lazy_gettext as _l
from sqlalchemy import CheckConstraint, ForeignKey, SmallInteger, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.clock import utcnow
from app.extensions import Model
from app.labels import LabelledEnum
from app.models import User, UTCDateTime, str_enum
from logistics.models import Team


class SignUpStatus(LabelledEnum):
    PENDING = "pending", _l("Waiting for review")
    ACCEPTED = "accepted", _l("Accepted")
    DECLINED = "declined", _l("Declined")


class ShiftKind(LabelledEnum):
    MORNING = "morning", _l("Morning")
    AFTERNOON = "afternoon", _l("Afternoon")
    EVENING = "evening", _l("Evening")


class Volunteer(Model):
    """Someone who offered to help: what they said on the sign-up page and, once a
    coordinator accepts them, their account. The phone number is dropped some days
    after they leave (VOLUNTEER_PHONE_KEEP_DAYS)."""

    __tablename__ = "volunteers"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    # None once erased: the row stays for the shifts and bed nights it paid for.
    email: Mapped[str | None] = mapped_column(String(254), unique=True)
    phone: Mapped[str] = mapped_column(String(40), default="")
    languages: Mapped[str] = mapped_column(String(200), default="")
    driving_licence: Mapped[bool] = mapped_column(default=False)
    arrives_on: Mapped[date]
    leaves_on: Mapped[date]
    team_id: Mapped[int | None] = mapped_column(ForeignKey("teams.id"))
    local_group: Mapped[str] = mapped_column(String(120), default="")
    needs_bed: Mapped[bool] = mapped_column(default=False)
    consent_contact: Mapped[bool] = mapped_column(default=False)
    locale: Mapped[str] = mapped_column(String(5), default="fr")
    status: Mapped[SignUpStatus] = mapped_column(
        str_enum(SignUpStatus), default=SignUpStatus.PENDING
    )
    user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), unique=True
    )
    # The one sign-in link that may still be used (people/services/volunteers.py).
    sign_in_nonce: Mapped[str | None] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    reviewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reviewed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    erased_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    team: Mapped[Team | None] = relationship(lazy="joined")
    user: Mapped[User | None] = relationship(foreign_keys=[user_id])

    __table_args__ = (CheckConstraint("arrives_on <= leaves_on", name="volunteer_stay_in_order"),)


class ShiftTemplate(Model):
    """One shift of a team's usual week: Paris, Tuesday morning, 9:00 to 13:00, 4 people."""

    __tablename__ = "shift_templates"

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id"), index=True)
    weekday: Mapped[int] = mapped_column(SmallInteger)
    kind: Mapped[ShiftKind] = mapped_column(str_enum(ShiftKind))
    starts_at: Mapped[time]
    ends_at: Mapped[time]
    needed: Mapped[int]

    __table_args__ = (
        UniqueConstraint("team_id", "weekday", "kind", name="shift_template_team_day_kind"),
        CheckConstraint("weekday BETWEEN 0 AND 6", name="shift_template_weekday"),
        CheckConstraint("starts_at < ends_at", name="shift_template_in_order"),
        CheckConstraint("needed BETWEEN 1 AND 99", name="shift_template_needed"),
    )


class Shift(Model):
    """A shift on one day, made from the week template (once: making a day twice makes
    nothing twice)."""

    __tablename__ = "shifts"

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id"))
    day: Mapped[date] = mapped_column(index=True)
    kind: Mapped[ShiftKind] = mapped_column(str_enum(ShiftKind))
    starts_at: Mapped[time]
    ends_at: Mapped[time]
    needed: Mapped[int]

    team: Mapped[Team] = relationship(lazy="joined", innerjoin=True)
    places: Mapped[list[ShiftPlace]] = relationship(
        cascade="all, delete-orphan", order_by="ShiftPlace.id", lazy="selectin"
    )

    __table_args__ = (
        UniqueConstraint("team_id", "day", "kind", name="shift_team_day_kind"),
        CheckConstraint("starts_at < ends_at", name="shift_in_order"),
        CheckConstraint("needed BETWEEN 1 AND 99", name="shift_needed"),
    )

    @property
    def still_needed(self) -> int:
        return max(self.needed - len(self.places), 0)

    def has(self, user_id: int) -> bool:
        return any(place.user_id == user_id for place in self.places)


class ShiftPlace(Model):
    """A volunteer on a shift."""

    __tablename__ = "shift_places"

    id: Mapped[int] = mapped_column(primary_key=True)
    shift_id: Mapped[int] = mapped_column(ForeignKey("shifts.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    taken_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    user: Mapped[User] = relationship(lazy="joined", innerjoin=True)

    __table_args__ = (UniqueConstraint("shift_id", "user_id", name="shift_place_once"),)
