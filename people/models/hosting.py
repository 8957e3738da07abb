"""Citizen hosting: hosts and the nights they offer, each team's board of a night (the
groups asking for a roof, where they went, the van runs that took them) and longer
placements.

The people hosted are counted, never named: a group is adults, minors (10 to 17) and
children under 10, whether it is a family, and a short note the screen says must hold
no name. There is no column for a name, a photo, a date of birth, a nationality or a
document number, and none may be added."""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING

from flask_babel import lazy_gettext as _l
from sqlalchemy import (
    CheckConstraint,
    ForeignKey,
    Index,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.clock import utcnow
from app.extensions import Model
from app.labels import LabelledEnum
from app.models import User, UTCDateTime, str_enum
from logistics.models import Team, Trip

MAX_NOTE_LENGTH = 200


class HostingKind(LabelledEnum):
    ONE_NIGHT = "one_night", _l("One night in Paris")
    LONGER = "longer", _l("Several weeks in a region")


class Host(Model):
    """A person who offers beds. Their address is read by hosting coordinators only;
    people are given to a host only once their agreement is signed."""

    __tablename__ = "hosts"

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id"), index=True)
    name: Mapped[str] = mapped_column(String(120))
    email: Mapped[str] = mapped_column(String(254), default="")
    phone: Mapped[str] = mapped_column(String(32), default="")
    town: Mapped[str] = mapped_column(String(80))
    address: Mapped[str] = mapped_column(Text, default="")
    kind: Mapped[HostingKind] = mapped_column(str_enum(HostingKind))
    beds: Mapped[int] = mapped_column(SmallInteger)
    takes_families: Mapped[bool] = mapped_column(default=False)
    takes_children_under_10: Mapped[bool] = mapped_column(default=False)
    takes_minors_alone: Mapped[bool] = mapped_column(default=False)
    agreement_signed_on: Mapped[date | None]
    # Offered on the public page, not yet looked at by a hosting coordinator.
    offered_publicly: Mapped[bool] = mapped_column(default=False)
    # Part of the calendar link: a new link ends the old ones.
    calendar_nonce: Mapped[str | None] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    team: Mapped[Team] = relationship(lazy="joined", innerjoin=True)

    __table_args__ = (CheckConstraint("beds BETWEEN 1 AND 30", name="host_beds_in_range"),)

    def __str__(self) -> str:
        return self.name


class HostNight(Model):
    """A night a host said they can take people (the night that starts that evening)."""

    __tablename__ = "host_nights"

    host_id: Mapped[int] = mapped_column(
        ForeignKey("hosts.id", ondelete="CASCADE"), primary_key=True
    )
    night: Mapped[date] = mapped_column(primary_key=True)

    __table_args__ = (Index("ix_host_nights_night", "night"),)


class HostingBoard(Model):
    """One team's hosting on one night; closed at the end of the night, after which
    nothing on it changes."""

    __tablename__ = "hosting_boards"

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id"))
    night: Mapped[date]
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    team: Mapped[Team] = relationship(lazy="joined", innerjoin=True)
    groups: Mapped[list[HostingGroup]] = relationship(
        back_populates="board", order_by="HostingGroup.id"
    )
    runs: Mapped[list[HostingRun]] = relationship(order_by="HostingRun.id")

    __table_args__ = (UniqueConstraint("team_id", "night", name="uq_hosting_board_team_night"),)

    @property
    def closed(self) -> bool:
        return self.closed_at is not None


class PeopleCounts:
    """Counts of people: adults, minors (10 to 17), children under 10; never names.
    Mixed into the models that have those columns."""

    if TYPE_CHECKING:
        # The columns themselves are declared by each model, with its own constraints.
        adults: Mapped[int]
        minors: Mapped[int]
        children_under_10: Mapped[int]

    @property
    def people(self) -> int:
        return self.adults + self.minors + self.children_under_10

    @property
    def unaccompanied(self) -> bool:
        """Minors (of any age) with no adult: only hosts who take minors alone."""
        return self.adults == 0


class HostingGroup(PeopleCounts, Model):
    """People asking for a roof together on a night: counts only."""

    __tablename__ = "hosting_groups"

    id: Mapped[int] = mapped_column(primary_key=True)
    board_id: Mapped[int] = mapped_column(ForeignKey("hosting_boards.id"), index=True)
    adults: Mapped[int] = mapped_column(SmallInteger)
    minors: Mapped[int] = mapped_column(SmallInteger)
    children_under_10: Mapped[int] = mapped_column(SmallInteger)
    family: Mapped[bool] = mapped_column(default=False)
    note: Mapped[str] = mapped_column(String(MAX_NOTE_LENGTH), default="")
    host_id: Mapped[int | None] = mapped_column(ForeignKey("hosts.id"), index=True)
    run_id: Mapped[int | None] = mapped_column(ForeignKey("hosting_runs.id"))
    recorded_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    placed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    board: Mapped[HostingBoard] = relationship(back_populates="groups")
    host: Mapped[Host | None] = relationship()

    __table_args__ = (
        CheckConstraint(
            "adults >= 0 AND minors >= 0 AND children_under_10 >= 0", name="group_counts_positive"
        ),
        CheckConstraint("adults + minors + children_under_10 > 0", name="group_not_empty"),
    )

    @property
    def placed(self) -> bool:
        return self.host_id is not None


class HostingRun(Model):
    """A van run of a night's board: the logistics trip (purpose "taking people to
    emergency hosts") that takes some of its placed groups to their hosts."""

    __tablename__ = "hosting_runs"

    id: Mapped[int] = mapped_column(primary_key=True)
    board_id: Mapped[int] = mapped_column(ForeignKey("hosting_boards.id"), index=True)
    trip_id: Mapped[int] = mapped_column(ForeignKey("trips.id"), unique=True)
    booked_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    trip: Mapped[Trip] = relationship(lazy="joined", innerjoin=True)
    groups: Mapped[list[HostingGroup]] = relationship(order_by="HostingGroup.id")

    @property
    def people(self) -> int:
        return sum(group.people for group in self.groups)


class Placement(PeopleCounts, Model):
    """A longer hosting: a group with a host from the evening of `starts_on` to the
    morning of `ends_on`."""

    __tablename__ = "placements"

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id"), index=True)
    host_id: Mapped[int] = mapped_column(ForeignKey("hosts.id"), index=True)
    starts_on: Mapped[date]
    ends_on: Mapped[date]
    adults: Mapped[int] = mapped_column(SmallInteger)
    minors: Mapped[int] = mapped_column(SmallInteger)
    children_under_10: Mapped[int] = mapped_column(SmallInteger)
    family: Mapped[bool] = mapped_column(default=False)
    note: Mapped[str] = mapped_column(String(MAX_NOTE_LENGTH), default="")
    recorded_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    host: Mapped[Host] = relationship(lazy="joined", innerjoin=True)
    team: Mapped[Team] = relationship(lazy="joined", innerjoin=True)
    recorded_by: Mapped[User] = relationship()

    __table_args__ = (
        CheckConstraint(
            "adults >= 0 AND minors >= 0 AND children_under_10 >= 0",
            name="placement_counts_positive",
        ),
        CheckConstraint("adults + minors + children_under_10 > 0", name="placement_not_empty"),
        CheckConstraint("ends_on > starts_on", name="placement_ends_after_start"),
        Index("ix_placements_dates", "starts_on", "ends_on"),
    )

    @property
    def nights(self) -> int:
        return (self.ends_on - self.starts_on).days
