"""What the inventory writes share: limits, looking things up for a change, and
validating quantities and item variants."""

from collections.abc import Sequence
from dataclasses import dataclass

from flask_babel import format_decimal
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from app.errors import DomainError, Forbidden, InvalidInput, NotFound, refuse_together
from app.extensions import Session
from app.i18n import current_locale
from app.lookup import get_one
from app.models import User, built_per_database, for_database
from inventory.codes import BadCode, display_code, normalise_code
from inventory.models import (
    Crate,
    Gender,
    Item,
    Site,
    StockItem,
    may_act_at,
)

MAX_LINE_QUANTITY = 10_000
MAX_LINES_PER_CRATE = 50
MAX_CRATES_AT_ONCE = 500
MAX_LOOSE_QUANTITY = 100_000
MAX_CRATE_WEIGHT_GRAMS = 500_000
MAX_PLACE_LENGTH = 60
ADD_STOCK_ITEM = built_per_database(
    lambda insert: insert(StockItem.__table__).on_conflict_do_nothing()
)


@dataclass(frozen=True)
class LineInput:
    """One line of a crate as a person enters it: an item, maybe a gender and a size;
    `key` names the line among the lines sent (a form's row, the API's index), so a
    refusal of the line says which line it is about."""

    item_id: int
    quantity: int
    gender: str = ""
    size: str = ""
    key: str = ""

    @property
    def row(self) -> tuple[str, str] | None:
        return ("lines", self.key) if self.key else None


# --- look-ups that writes share -------------------------------------------------------


def get_site(session: Session, site_id: int) -> Site:
    site = session.get(Site, site_id)
    if site is None or not site.active:
        raise NotFound(_("There is no site number %(id)s.", id=site_id), field="site_id")
    return site


def get_public_site(session: Session, site_id: int) -> Site:
    site = session.get(Site, site_id)
    if site is None or not site.active or not site.is_public:
        raise NotFound(_("There is no public site number %(id)s.", id=site_id))
    return site


def ensure_may_act_at(actor: User, site: Site) -> None:
    if not may_act_at(actor, site.id):
        raise Forbidden(
            _("You are not assigned to %(site)s, so you cannot act there.", site=site.name)
        )


def read_crate_code(typed_code: str) -> str:
    try:
        return normalise_code(typed_code)
    except BadCode:
        raise InvalidInput(
            _("“%(code)s” is not a crate code. A code looks like 7K3M-Q9XJ.", code=typed_code),
            field="code",
        ) from None


def crate_not_found(code: str) -> NotFound:
    return NotFound(_("No crate has the code %(code)s.", code=display_code(code)), field="code")


def get_crate(session: Session, typed_code: str, *, for_update: bool = False) -> Crate:
    """The crate behind a typed or scanned code, locked for the rest of the transaction
    when it is about to change, so two volunteers acting on it at once are serialised."""
    code = read_crate_code(typed_code)
    missing = crate_not_found(code)
    return get_one(
        session,
        Crate,
        code,
        lock=for_update,
        column=Crate.code,
        missing=missing.message,
        field="code",
        # A crate about to change has its contents read next (the ledger's postings, the
        # answer): they come in the same query as the lock.
        load=[joinedload(Crate.lines)] if for_update else [],
    )


def lock_crates(session: Session, typed_codes: Sequence[str]) -> list[Crate]:
    """Several crates about to change together, locked in code order (the order every
    transaction takes them in, so two batches sharing crates cannot deadlock), returned
    in the order given."""
    codes = [read_crate_code(typed) for typed in typed_codes]
    locked = session.scalars(
        select(Crate)
        .where(Crate.code.in_(set(codes)))
        .order_by(Crate.code)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    by_code = {crate.code: crate for crate in locked}
    for code in codes:
        if code not in by_code:
            raise crate_not_found(code)
    return [by_code[code] for code in codes]


def get_stock_item(session: Session, item_id: int, gender: str = "", size: str = "") -> StockItem:
    """The stock item for an item at a gender and size, created on first use."""
    item = get_item(session, item_id)
    gender, size = validate_variant(item, gender or "", size or "")
    query = select(StockItem).where(
        StockItem.item_id == item.id, StockItem.gender == gender, StockItem.size == size
    )
    stock_item = session.scalar(query)
    if stock_item is not None:
        return stock_item
    values = {"item_id": item.id, "gender": gender, "size": size}
    session.execute(for_database(session, ADD_STOCK_ITEM), values)
    return session.scalars(query).one()


def get_item(session: Session, item_id: int) -> Item:
    item = session.get(Item, item_id)
    if item is None or not item.active:
        raise NotFound(_("There is no item number %(id)s.", id=item_id), field="item_id")
    return item


def validate_variant(item: Item, gender: str, size: str) -> tuple[str, str]:
    name = item.name(current_locale())
    if item.gendered:
        if gender not in {g.value for g in Gender}:
            raise InvalidInput(_("Choose who %(item)s are for.", item=name), field="gender")
    elif gender:
        raise InvalidInput(_("%(item)s have no gender.", item=name), field="gender")
    if item.size_range:
        if size not in item.sizes:
            raise InvalidInput(_("Choose a size for %(item)s.", item=name), field="size")
    elif size:
        raise InvalidInput(_("%(item)s have no size.", item=name), field="size")
    if item.size_range and size not in item.sizes_for(gender):
        raise InvalidInput(size_refusal(name, gender, size), field="size")
    return gender, size


def size_refusal(item_name: str, gender: str, size: str) -> str:
    """Why a size does not go with who the item is for (a men's size on a baby item)."""
    if gender:
        return _(
            "Size %(size)s is not a size for %(who)s: choose one that fits.",
            size=size,
            who=Gender(gender).label,
        )
    return _("%(item)s do not come in size %(size)s.", item=item_name, size=size)


def read_place(typed: str | None) -> str | None:
    """A place inside a site as typed ("  Shelf   B3 "), spaces tidied: "Shelf B3"; None
    for no place."""
    if typed and "\x00" in typed:
        raise InvalidInput(_("Text cannot contain a NUL character."), field="place")
    place = " ".join((typed or "").split())
    if len(place) > MAX_PLACE_LENGTH:
        raise InvalidInput(
            _("The place is too long (%(max)s characters at most).", max=MAX_PLACE_LENGTH),
            field="place",
        )
    return place or None


def validate_quantity(quantity: object, maximum: int, field: str = "quantity") -> int:
    if isinstance(quantity, bool) or not isinstance(quantity, int):
        raise InvalidInput(_("The quantity must be a whole number."), field=field)
    if not quantity_fits(quantity, maximum):
        raise InvalidInput(
            _("The quantity must be between 1 and %(max)s.", max=f"{maximum:,}"), field=field
        )
    return quantity


def quantity_fits(quantity: int, maximum: int) -> bool:
    return 1 <= quantity <= maximum


def variant_key(line: LineInput) -> tuple[int, str, str]:
    return (line.item_id, line.gender or "", line.size or "")


def resolve_lines(session: Session, lines: Sequence[LineInput]) -> dict[StockItem, int]:
    """Validated lines, one per stock item (the same item twice is added up). Every
    refused line is refused at once, each on its own field (see LineInput.key), naming
    its item (see line_refusals)."""
    if not lines:
        raise InvalidInput(_("Add at least one item to the crate."), field="lines")
    if len(lines) > MAX_LINES_PER_CRATE:
        raise InvalidInput(
            _("A crate holds at most %(max)s different items.", max=MAX_LINES_PER_CRATE),
            field="lines",
        )
    refuse_together(line_refusals(session, lines))
    # Stock items are created on first use: always in one order, so two crates packed
    # with the same new items in other orders cannot deadlock on them.
    keys = sorted({variant_key(line) for line in lines})
    stock_items = {key: get_stock_item(session, *key) for key in keys}
    totals: dict[StockItem, int] = {}
    for line in lines:
        stock_item = stock_items[variant_key(line)]
        totals[stock_item] = totals.get(stock_item, 0) + line.quantity
    return totals


def line_refusals(session: Session, lines: Sequence[LineInput | DomainError]) -> list[DomainError]:
    """Why each refused line is refused, in the lines' order; a line a form could not
    read comes as its refusal. The same item on several lines adds up, refused on the
    line that takes it past a line's limit."""
    refusals: list[DomainError] = []
    totals: dict[tuple[int, str, str], int] = {}
    for line in lines:
        if isinstance(line, DomainError):
            refusals.append(line)
            continue
        try:
            item = checked_item(session, line)
        except DomainError as error:
            refusals.append(error)
            continue
        key = variant_key(line)
        before = totals.get(key, 0)
        totals[key] = before + line.quantity
        if before <= MAX_LINE_QUANTITY < totals[key]:
            refusals.append(line_total_refusal(line, item, totals[key]))
    return refusals


def checked_item(session: Session, line: LineInput) -> Item:
    """The line's item, once its who-for, size and quantity fit it; else a refusal on
    the line's field."""
    try:
        item = get_item(session, line.item_id)
        validate_variant(item, line.gender or "", line.size or "")
    except DomainError as error:
        error.field, error.row = error.field or "item_id", line.row
        raise
    if (
        isinstance(line.quantity, bool)
        or not isinstance(line.quantity, int)
        or not quantity_fits(line.quantity, MAX_LINE_QUANTITY)
    ):
        raise line_quantity_refusal(line, item)
    return item


def line_total_refusal(line: LineInput, item: Item, total: int) -> InvalidInput:
    return InvalidInput(
        _(
            "Together, the lines of %(item)s come to %(total)s; at most %(max)s.",
            item=item.name(current_locale()),
            total=format_decimal(total),
            max=format_decimal(MAX_LINE_QUANTITY),
        ),
        field="quantity",
        row=line.row,
    )


def line_quantity_refusal(line: LineInput, item: Item) -> InvalidInput:
    return InvalidInput(
        _(
            "The quantity of %(item)s must be between 1 and %(max)s.",
            item=item.name(current_locale()),
            max=format_decimal(MAX_LINE_QUANTITY),
        ),
        field="quantity",
        row=line.row,
    )
