"""Sites (and who may act at them), the item catalogue with its sizes, the stock items
stock is counted by, and need lists."""

from __future__ import annotations

import re

from flask_babel import format_decimal, gettext, ngettext
from flask_babel import lazy_gettext as _l
from sqlalchemy import (
    CheckConstraint,
    Column,
    ForeignKey,
    Index,
    String,
    Table,
    Text,
    UniqueConstraint,
    inspect,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import Model, db
from app.labels import LabelledEnum
from app.models import User, str_enum


class SiteKind(LabelledEnum):
    COLLECTION_POINT = "collection_point", _l("Collection point")
    WAREHOUSE = "warehouse", _l("Warehouse")
    DISTRIBUTION_POINT = "distribution_point", _l("Distribution point")


class Category(LabelledEnum):
    CLOTHING = "clothing", _l("Clothing")
    SHOES = "shoes", _l("Shoes")
    BEDDING = "bedding", _l("Bedding and shelter")
    HYGIENE = "hygiene", _l("Hygiene")
    FOOD = "food", _l("Food and drink")
    BABY = "baby", _l("Baby")
    OTHER = "other", _l("Other")


class Unit(LabelledEnum):
    PIECE = "piece", _l("piece")
    PAIR = "pair", _l("pair")
    PACK = "pack", _l("pack")
    KG = "kg", _l("kg")
    LITRE = "litre", _l("litre")


def quantity_with_unit(quantity: int, unit: Unit) -> str:
    """A quantity and its unit, plural when the language wants it: "24 packs", "1 pair"."""
    count = format_decimal(quantity)
    match unit:
        case Unit.PIECE:
            return ngettext("%(count)s piece", "%(count)s pieces", quantity, count=count)
        case Unit.PAIR:
            return ngettext("%(count)s pair", "%(count)s pairs", quantity, count=count)
        case Unit.PACK:
            return ngettext("%(count)s pack", "%(count)s packs", quantity, count=count)
        case Unit.KG:
            return ngettext("%(count)s kg", "%(count)s kg", quantity, count=count)
        case Unit.LITRE:
            return ngettext("%(count)s litre", "%(count)s litres", quantity, count=count)


class Gender(LabelledEnum):
    MEN = "men", _l("Men")
    WOMEN = "women", _l("Women")
    BOYS = "boys", _l("Boys")
    GIRLS = "girls", _l("Girls")
    UNISEX_ADULT = "unisex_adult", _l("Unisex adult")
    UNISEX_CHILD = "unisex_child", _l("Unisex child")
    BABY = "baby", _l("Baby")


class SizeRange(LabelledEnum):
    LETTERS = "letters", _l("Letters (XS to XXL)")
    EU_SHOES = "eu_shoes", _l("EU shoe sizes")
    CHILD_AGE = "child_age", _l("Children by age")


SIZES: dict[SizeRange, tuple[str, ...]] = {
    SizeRange.LETTERS: ("XS", "S", "M", "L", "XL", "XXL"),
    SizeRange.EU_SHOES: tuple(str(size) for size in range(17, 49)),
    SizeRange.CHILD_AGE: (
        "0-3m",
        "3-6m",
        "6-12m",
        "12-18m",
        "18-24m",
        "2y",
        "3y",
        "4y",
        "5y",
        "6y",
        "8y",
        "10y",
        "12y",
        "14y",
        "16y",
    ),
}

# A child's size by age, as stored: months ("0-3m") or years ("2y").
AGE_SIZE = re.compile(r"(?P<first>\d+)-(?P<last>\d+)m|(?P<years>\d+)y")


def size_label(size: str) -> str:
    """A size as a person reads it: "0-3 months", "2 years"; letters and shoe sizes as
    they are."""
    age = AGE_SIZE.fullmatch(size)
    if age is None:
        return size
    if age["years"]:
        years = int(age["years"])
        return ngettext("%(num)d year", "%(num)d years", years)
    return gettext("%(first)s-%(last)s months", first=age["first"], last=age["last"])


ADULTS = frozenset({Gender.MEN, Gender.WOMEN, Gender.UNISEX_ADULT})
# The EU shoe sizes each who-for wears, smallest and largest.
SHOE_SIZES: dict[str, tuple[int, int]] = {
    Gender.MEN: (38, 48),
    Gender.WOMEN: (35, 44),
    Gender.UNISEX_ADULT: (35, 48),
    Gender.BOYS: (17, 40),
    Gender.GIRLS: (17, 40),
    Gender.UNISEX_CHILD: (17, 40),
    Gender.BABY: (17, 24),
}
BABY_AGES = SIZES[SizeRange.CHILD_AGE][: SIZES[SizeRange.CHILD_AGE].index("4y") + 1]


class Priority(LabelledEnum):
    URGENT = "urgent", _l("Urgent")
    HIGH = "high", _l("High")
    NORMAL = "normal", _l("Normal")


PRIORITY_ORDER = {Priority.URGENT: 0, Priority.HIGH: 1, Priority.NORMAL: 2}


class Site(Model):
    __tablename__ = "sites"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    kind: Mapped[SiteKind] = mapped_column(str_enum(SiteKind))
    address: Mapped[str] = mapped_column(String(255), default="")
    postcode: Mapped[str] = mapped_column(String(12), default="")
    city: Mapped[str] = mapped_column(String(120))
    latitude: Mapped[float | None]
    longitude: Mapped[float | None]
    opening_hours: Mapped[str] = mapped_column(Text, default="")
    contact: Mapped[str] = mapped_column(String(255), default="")
    is_public: Mapped[bool] = mapped_column(default=True)
    active: Mapped[bool] = mapped_column(default=True)

    def __str__(self) -> str:
        return self.name


# The sites a volunteer is assigned to, where they may act. The core User knows nothing
# of sites: inventory gives it the relationship, through its mapper's public API.
user_sites = Table(
    "user_sites",
    db.metadata,
    Column("user_id", ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    Column("site_id", ForeignKey("sites.id", ondelete="CASCADE"), primary_key=True),
)
inspect(User).add_property("sites", relationship(Site, secondary=user_sites))
# User.sites, for loader options: mypy knows User without it.
USER_SITES = inspect(User).attrs["sites"].class_attribute


def sites_of(user: User) -> list[Site]:
    """The sites `user` is assigned to, a list that changes the assignments when changed.
    Loaded when first asked for: most requests, and admins and coordinators, never do."""
    sites: list[Site] = user.sites  # added to User just above
    return sites


def may_act_at(user: User, site_id: int) -> bool:
    """Admins and coordinators act at every site; volunteers only at theirs."""
    return user.works_everywhere or any(site.id == site_id for site in sites_of(user))


class Item(Model):
    """A kind of thing in the catalogue: "Trousers", "Sleeping bag", "Toothbrush"."""

    __tablename__ = "items"

    id: Mapped[int] = mapped_column(primary_key=True)
    category: Mapped[Category] = mapped_column(str_enum(Category), index=True)
    name_fr: Mapped[str] = mapped_column(String(120))
    name_en: Mapped[str] = mapped_column(String(120))
    unit: Mapped[Unit] = mapped_column(str_enum(Unit), default=Unit.PIECE)
    size_range: Mapped[SizeRange | None] = mapped_column(str_enum(SizeRange))
    gendered: Mapped[bool] = mapped_column(default=False)
    active: Mapped[bool] = mapped_column(default=True)

    __table_args__ = (UniqueConstraint("name_en", "category", name="item_name"),)

    def name(self, locale: str) -> str:
        return self.name_fr if locale == "fr" else self.name_en

    @property
    def sizes(self) -> tuple[str, ...]:
        return SIZES[self.size_range] if self.size_range else ()

    def sizes_for(self, gender: str) -> tuple[str, ...]:
        """The sizes this item comes in for who it is for ("" for anyone): no child's age
        for men, no men's shoe size 35, no nappies for ten-year-olds."""
        if self.size_range == SizeRange.EU_SHOES:
            low, high = SHOE_SIZES.get(gender, (17, 48))
            return tuple(size for size in self.sizes if low <= int(size) <= high)
        if self.size_range == SizeRange.CHILD_AGE:
            if gender in ADULTS:
                return ()
            if gender == Gender.BABY or self.category == Category.BABY:
                return BABY_AGES
        if self.size_range == SizeRange.LETTERS and gender == Gender.BABY:
            return ()
        return self.sizes


class StockItem(Model):
    """What stock is counted by: an item at one gender and size (both empty when they
    do not apply, as for toothbrushes)."""

    __tablename__ = "stock_items"

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id"))
    # "" rather than NULL when gender or size does not apply, so the unique constraint
    # holds (NULLs never collide) and two volunteers never create the same variant twice.
    gender: Mapped[str] = mapped_column(String(16), default="")
    size: Mapped[str] = mapped_column(String(12), default="")

    item: Mapped[Item] = relationship(lazy="joined", innerjoin=True)

    __table_args__ = (
        UniqueConstraint("item_id", "gender", "size", name="stock_item_variant"),
        Index("ix_stock_items_item_id", "item_id"),
    )

    def label(self, locale: str) -> str:
        parts = [self.item.name(locale)]
        if self.gender:
            parts.append(Gender(self.gender).label)
        if self.size:
            parts.append(size_label(self.size))
        return " · ".join(parts)


class NeedLine(Model):
    """What a site needs: an item, optionally at one gender and size ("" = any)."""

    __tablename__ = "need_lines"

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"), index=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id"))
    gender: Mapped[str] = mapped_column(String(16), default="")
    size: Mapped[str] = mapped_column(String(12), default="")
    target_quantity: Mapped[int]
    priority: Mapped[Priority] = mapped_column(str_enum(Priority), default=Priority.NORMAL)
    note: Mapped[str] = mapped_column(String(255), default="")

    site: Mapped[Site] = relationship()
    item: Mapped[Item] = relationship(lazy="joined", innerjoin=True)

    __table_args__ = (
        UniqueConstraint("site_id", "item_id", "gender", "size", name="need_line_variant"),
        CheckConstraint("target_quantity > 0", name="target_positive"),
    )
