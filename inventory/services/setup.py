"""Setting up what the inventory counts: sites and catalogue items. Nothing is deleted,
since movements and history point at them: they are made inactive instead."""

from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import exists, select

from app.errors import Conflict, InvalidInput, NotFound
from app.extensions import Session
from app.i18n import current_locale
from inventory.models import Category, Item, Site, SiteKind, SizeRange, StockItem, Unit


@dataclass(frozen=True)
class SiteInput:
    name: str
    kind: SiteKind
    city: str
    address: str = ""
    postcode: str = ""
    latitude: float | None = None
    longitude: float | None = None
    opening_hours: str = ""
    contact: str = ""
    is_public: bool = False
    active: bool = True


@dataclass(frozen=True)
class ItemInput:
    category: Category
    name_fr: str
    name_en: str
    unit: Unit = Unit.PIECE
    size_range: SizeRange | None = None
    gendered: bool = False
    active: bool = True


def save_site(session: Session, data: SiteInput, site_id: int | None = None) -> Site:
    """Create a site, or change the one with `site_id`."""
    name = data.name.strip()
    if not name or not data.city.strip():
        raise InvalidInput(_("A site needs a name and a city."), field="name")
    if (data.latitude is None) != (data.longitude is None):
        raise InvalidInput(_("Give both coordinates, or neither."), field="latitude")
    if (data.latitude is not None and data.longitude is not None) and not (
        -90 <= data.latitude <= 90 and -180 <= data.longitude <= 180
    ):
        raise InvalidInput(_("These coordinates are not on Earth."), field="latitude")
    clash = select(Site.id).where(Site.name == name, Site.id != (site_id or 0))
    if session.scalar(clash) is not None:
        raise Conflict(_("Another site is already called %(name)s.", name=name), field="name")
    site = Site() if site_id is None else session.get(Site, site_id)
    if site is None:
        raise NotFound(_("There is no site number %(id)s.", id=site_id))
    for field, value in vars(data).items():
        setattr(site, field, value.strip() if isinstance(value, str) else value)
    session.add(site)
    session.flush()
    return site


def save_item(session: Session, data: ItemInput, item_id: int | None = None) -> Item:
    """Create a catalogue item, or change the one with `item_id`. Once stock is counted
    by gender or size, those cannot change: the counts would no longer mean anything."""
    name_fr, name_en = data.name_fr.strip(), data.name_en.strip()
    if not name_fr or not name_en:
        raise InvalidInput(_("An item needs a French and an English name."), field="name_en")
    clash = select(Item.id).where(
        Item.name_en == name_en, Item.category == data.category, Item.id != (item_id or 0)
    )
    if session.scalar(clash) is not None:
        raise Conflict(
            _("This category already has an item called %(name)s.", name=name_en), field="name_en"
        )
    item = Item() if item_id is None else session.get(Item, item_id)
    if item is None:
        raise NotFound(_("There is no item number %(id)s.", id=item_id))
    if item_id is not None and (item.gendered, item.size_range) != (data.gendered, data.size_range):
        counted = session.scalar(select(exists().where(StockItem.item_id == item.id)))
        if counted:
            raise Conflict(
                _(
                    "Stock of %(item)s is already counted by gender and size, so these cannot"
                    " change. Create a new item instead.",
                    item=item.name(current_locale()),
                ),
                field="size_range",
            )
    item.category, item.unit = data.category, data.unit
    item.name_fr, item.name_en = name_fr, name_en
    item.size_range, item.gendered, item.active = data.size_range, data.gendered, data.active
    session.add(item)
    session.flush()
    return item
