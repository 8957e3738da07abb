"""Inventory writes. Each function validates, changes the session and raises a
DomainError; none commits. Stock changes go through inventory.ledger."""

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from app.errors import Conflict, Forbidden, InvalidInput, NotFound
from app.models import User
from inventory import ledger
from inventory.codes import BadCode, display_code, new_code, normalise_code
from inventory.models import (
    Crate,
    CrateEvent,
    CrateLine,
    CrateState,
    Gender,
    Item,
    MovementReason,
    NeedLine,
    Priority,
    Site,
    StockItem,
)

MAX_LINE_QUANTITY = 10_000
MAX_LINES_PER_CRATE = 50
MAX_CRATES_AT_ONCE = 500
MAX_LOOSE_QUANTITY = 100_000
MAX_CRATE_WEIGHT_GRAMS = 500_000


@dataclass(frozen=True)
class LineInput:
    """One line of a crate as a person enters it: an item, maybe a gender and a size."""

    item_id: int
    quantity: int
    gender: str = ""
    size: str = ""


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
    if not actor.may_act_at(site.id):
        raise Forbidden(
            _("You are not assigned to %(site)s, so you cannot act there.", site=site.name)
        )


def get_crate(session: Session, typed_code: str, *, for_update: bool = False) -> Crate:
    """The crate behind a typed or scanned code, locked for the rest of the transaction
    when it is about to change, so two volunteers acting on it at once are serialised."""
    try:
        code = normalise_code(typed_code)
    except BadCode:
        raise InvalidInput(
            _("“%(code)s” is not a crate code. A code looks like 7K3M-Q9XA.", code=typed_code),
            field="code",
        ) from None
    query = select(Crate).where(Crate.code == code)
    if for_update:
        query = query.with_for_update().execution_options(populate_existing=True)
    crate = session.scalar(query)
    if crate is None:
        raise NotFound(_("No crate has the code %(code)s.", code=display_code(code)), field="code")
    return crate


def get_stock_item(session: Session, item_id: int, gender: str = "", size: str = "") -> StockItem:
    """The stock item for an item at a gender and size, created on first use."""
    item = session.get(Item, item_id)
    if item is None or not item.active:
        raise NotFound(_("There is no item number %(id)s.", id=item_id), field="item_id")
    gender, size = validate_variant(item, gender or "", size or "")
    dialect = session.get_bind().dialect.name
    insert = postgresql_insert if dialect == "postgresql" else sqlite_insert
    session.execute(
        insert(StockItem.__table__)
        .values(item_id=item.id, gender=gender, size=size)
        .on_conflict_do_nothing()
    )
    return session.scalars(
        select(StockItem).where(
            StockItem.item_id == item.id, StockItem.gender == gender, StockItem.size == size
        )
    ).one()


def validate_variant(item: Item, gender: str, size: str) -> tuple[str, str]:
    name = item.name_en
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
    return gender, size


def validate_quantity(quantity: object, maximum: int, field: str = "quantity") -> int:
    if isinstance(quantity, bool) or not isinstance(quantity, int):
        raise InvalidInput(_("The quantity must be a whole number."), field=field)
    if not 1 <= quantity <= maximum:
        raise InvalidInput(
            _("The quantity must be between 1 and %(max)s.", max=f"{maximum:,}"), field=field
        )
    return quantity


def resolve_lines(session: Session, lines: Sequence[LineInput]) -> dict[StockItem, int]:
    """Validated lines, one per stock item (the same item twice is added up)."""
    if not lines:
        raise InvalidInput(_("Add at least one item to the crate."), field="lines")
    if len(lines) > MAX_LINES_PER_CRATE:
        raise InvalidInput(
            _("A crate holds at most %(max)s different items.", max=MAX_LINES_PER_CRATE),
            field="lines",
        )
    totals: dict[StockItem, int] = {}
    for line in lines:
        quantity = validate_quantity(line.quantity, MAX_LINE_QUANTITY)
        stock_item = get_stock_item(session, line.item_id, line.gender, line.size)
        totals[stock_item] = totals.get(stock_item, 0) + quantity
    for total in totals.values():
        validate_quantity(total, MAX_LINE_QUANTITY)
    return totals


def record_crate_event(
    session: Session, crate: Crate, actor: User | None, action: str, **detail: object
) -> None:
    session.add(
        CrateEvent(
            crate_id=crate.id,
            actor_id=actor.id if actor else None,
            action=action,
            site_id=crate.site_id,
            detail=json.dumps(detail, default=str, ensure_ascii=False),
        )
    )


def post_crate_contents(
    session: Session,
    crate: Crate,
    *,
    site_id: int,
    sign: int,
    reason: MovementReason,
    actor: User,
    allow_negative: bool = False,
) -> None:
    for line in crate.lines:
        ledger.post_movement(
            session,
            site_id=site_id,
            stock_item_id=line.stock_item_id,
            quantity=sign * line.quantity,
            reason=reason,
            actor_id=actor.id,
            crate_id=crate.id,
            allow_negative=allow_negative,
        )


def refuse_state(crate: Crate) -> Conflict:
    messages = {
        CrateState.EMPTY: _("Crate %(code)s is empty: pack it first."),
        CrateState.IN_STOCK: _("Crate %(code)s is already packed and in stock."),
        CrateState.IN_TRANSIT: _(
            "Crate %(code)s is on its way to another site: check it in first."
        ),
        CrateState.DISTRIBUTED: _("Crate %(code)s was already distributed."),
        CrateState.SCRAPPED: _("Crate %(code)s was scrapped."),
        CrateState.LOST: _("Crate %(code)s is marked lost: check it in where you found it."),
    }
    return Conflict(messages[crate.state] % {"code": crate.display_code})


# --- crates ---------------------------------------------------------------------------


def create_crates(session: Session, *, actor: User, count: int) -> list[Crate]:
    """Blank crates with fresh random codes, for printing labels."""
    validate_quantity(count, MAX_CRATES_AT_ONCE, field="count")
    codes: set[str] = set()
    while len(codes) < count:
        wanted = {new_code() for _ in range(count - len(codes))}
        taken = set(session.scalars(select(Crate.code).where(Crate.code.in_(wanted))))
        codes |= wanted - taken
    crates = [Crate(code=code, state=CrateState.EMPTY) for code in sorted(codes)]
    session.add_all(crates)
    session.flush()
    for crate in crates:
        record_crate_event(session, crate, actor, "created")
    return crates


def pack_crate(
    session: Session,
    *,
    actor: User,
    crate: Crate,
    site_id: int,
    lines: Sequence[LineInput],
    expiry_date: date | None = None,
    weight_grams: int | None = None,
    note: str = "",
) -> Crate:
    site = get_site(session, site_id)
    ensure_may_act_at(actor, site)
    if crate.state != CrateState.EMPTY:
        raise refuse_state(crate)
    validate_crate_details(weight_grams, note)
    for stock_item, quantity in resolve_lines(session, lines).items():
        crate.lines.append(CrateLine(stock_item=stock_item, quantity=quantity))
    crate.state = CrateState.IN_STOCK
    crate.site_id = site.id
    crate.expiry_date = expiry_date
    crate.weight_grams = weight_grams
    crate.note = note.strip()
    session.flush()
    post_crate_contents(
        session, crate, site_id=site.id, sign=1, reason=MovementReason.RECEIVED, actor=actor
    )
    record_crate_event(session, crate, actor, "packed", lines=describe_lines(crate))
    return crate


def validate_crate_details(weight_grams: int | None, note: str) -> None:
    if weight_grams is not None and not 0 <= weight_grams <= MAX_CRATE_WEIGHT_GRAMS:
        raise InvalidInput(_("The weight must be between 0 and 500 kg."), field="weight")
    if len(note) > 500:
        raise InvalidInput(_("The note is too long (500 characters at most)."), field="note")


def describe_lines(crate: Crate) -> list[list[object]]:
    return [[line.stock_item_id, line.quantity] for line in crate.lines]


def edit_crate_contents(
    session: Session, *, actor: User, crate: Crate, lines: Sequence[LineInput]
) -> Crate:
    """Correct what a packed crate holds; the ledger gets an adjustment per difference."""
    if crate.state != CrateState.IN_STOCK or crate.site is None:
        raise refuse_state(crate)
    ensure_may_act_at(actor, crate.site)
    wanted = {
        stock_item.id: quantity for stock_item, quantity in resolve_lines(session, lines).items()
    }
    current = {line.stock_item_id: line for line in crate.lines}
    for stock_item_id in sorted(set(wanted) | set(current)):
        before = current[stock_item_id].quantity if stock_item_id in current else 0
        after = wanted.get(stock_item_id, 0)
        if before == after:
            continue
        ledger.post_movement(
            session,
            site_id=crate.site.id,
            stock_item_id=stock_item_id,
            quantity=after - before,
            reason=MovementReason.ADJUSTED,
            actor_id=actor.id,
            crate_id=crate.id,
            note="crate contents corrected",
        )
        if after == 0:
            crate.lines.remove(current[stock_item_id])
        elif stock_item_id in current:
            current[stock_item_id].quantity = after
        else:
            crate.lines.append(CrateLine(stock_item_id=stock_item_id, quantity=after))
    session.flush()
    record_crate_event(session, crate, actor, "contents_edited", lines=describe_lines(crate))
    return crate


def check_in_crate(session: Session, *, actor: User, crate: Crate, site_id: int) -> Crate:
    """The crate is now at `site_id`: arrived from transit, moved from another site,
    or found again after being marked lost."""
    site = get_site(session, site_id)
    ensure_may_act_at(actor, site)
    if crate.state == CrateState.IN_STOCK:
        if crate.site_id == site.id:
            raise Conflict(
                _(
                    "Crate %(code)s is already in stock at %(site)s.",
                    code=crate.display_code,
                    site=site.name,
                )
            )
        post_crate_contents(
            session,
            crate,
            site_id=crate.site_id,
            sign=-1,
            reason=MovementReason.TRANSFER_OUT,
            actor=actor,
        )
        reason_in = MovementReason.TRANSFER_IN
    elif crate.state == CrateState.IN_TRANSIT:
        reason_in = MovementReason.TRANSFER_IN
    elif crate.state == CrateState.LOST:
        reason_in = MovementReason.ADJUSTED
    else:
        raise refuse_state(crate)
    post_crate_contents(session, crate, site_id=site.id, sign=1, reason=reason_in, actor=actor)
    came_from = crate.site_id
    crate.state = CrateState.IN_STOCK
    crate.site_id = site.id
    crate.destination_site_id = None
    session.flush()
    record_crate_event(session, crate, actor, "checked_in", came_from=came_from)
    return crate


def dispatch_crate(
    session: Session, *, actor: User, crate: Crate, destination_site_id: int
) -> Crate:
    """The crate leaves its site for another: it is in transit until checked in."""
    if crate.state != CrateState.IN_STOCK or crate.site is None:
        raise refuse_state(crate)
    ensure_may_act_at(actor, crate.site)
    destination = get_site(session, destination_site_id)
    if destination.id == crate.site_id:
        raise InvalidInput(
            _(
                "Crate %(code)s is already at %(site)s.",
                code=crate.display_code,
                site=destination.name,
            ),
            field="site_id",
        )
    post_crate_contents(
        session,
        crate,
        site_id=crate.site.id,
        sign=-1,
        reason=MovementReason.TRANSFER_OUT,
        actor=actor,
    )
    crate.state = CrateState.IN_TRANSIT
    crate.destination_site_id = destination.id
    session.flush()
    record_crate_event(session, crate, actor, "dispatched", destination=destination.id)
    return crate


def distribute_crate(session: Session, *, actor: User, crate: Crate) -> Crate:
    if crate.state != CrateState.IN_STOCK or crate.site is None:
        raise refuse_state(crate)
    ensure_may_act_at(actor, crate.site)
    post_crate_contents(
        session,
        crate,
        site_id=crate.site.id,
        sign=-1,
        reason=MovementReason.DISTRIBUTED,
        actor=actor,
    )
    crate.state = CrateState.DISTRIBUTED
    session.flush()
    record_crate_event(session, crate, actor, "distributed")
    return crate


def scrap_crate(session: Session, *, actor: User, crate: Crate, reason: str = "") -> Crate:
    """Throw a crate away: its contents leave stock if it was in stock."""
    if len(reason) > 500:
        raise InvalidInput(_("The note is too long (500 characters at most)."), field="reason")
    if crate.state == CrateState.IN_STOCK and crate.site is not None:
        ensure_may_act_at(actor, crate.site)
        post_crate_contents(
            session,
            crate,
            site_id=crate.site.id,
            sign=-1,
            reason=MovementReason.SCRAPPED,
            actor=actor,
        )
    elif crate.state in (CrateState.EMPTY, CrateState.IN_TRANSIT):
        place = crate.destination or crate.site
        if place is not None:
            ensure_may_act_at(actor, place)
        elif not actor.works_everywhere:
            raise Forbidden(_("Only a coordinator can scrap a label that was never used."))
    else:
        raise refuse_state(crate)
    crate.state = CrateState.SCRAPPED
    session.flush()
    record_crate_event(session, crate, actor, "scrapped", reason=reason.strip())
    return crate


def mark_crates_lost(session: Session, *, actor: User, crates: Iterable[Crate]) -> int:
    """After a stocktake: crates that should have been there and were not scanned."""
    count = 0
    for crate in crates:
        if crate.state != CrateState.IN_STOCK or crate.site_id is None:
            continue
        post_crate_contents(
            session,
            crate,
            site_id=crate.site_id,
            sign=-1,
            reason=MovementReason.ADJUSTED,
            actor=actor,
        )
        crate.state = CrateState.LOST
        session.flush()
        record_crate_event(session, crate, actor, "lost")
        count += 1
    return count


# --- loose stock ----------------------------------------------------------------------


def receive_loose(
    session: Session, *, actor: User, site_id: int, line: LineInput, note: str = ""
) -> None:
    site = get_site(session, site_id)
    ensure_may_act_at(actor, site)
    quantity = validate_quantity(line.quantity, MAX_LOOSE_QUANTITY)
    stock_item = get_stock_item(session, line.item_id, line.gender, line.size)
    ledger.post_movement(
        session,
        site_id=site.id,
        stock_item_id=stock_item.id,
        quantity=quantity,
        reason=MovementReason.RECEIVED,
        actor_id=actor.id,
        note=note.strip()[:500],
    )


def move_loose(
    session: Session, *, actor: User, from_site_id: int, to_site_id: int, line: LineInput
) -> None:
    source = get_site(session, from_site_id)
    destination = get_site(session, to_site_id)
    ensure_may_act_at(actor, source)
    if source.id == destination.id:
        raise InvalidInput(_("Choose another site to move to."), field="to_site_id")
    quantity = validate_quantity(line.quantity, MAX_LOOSE_QUANTITY)
    stock_item = get_stock_item(session, line.item_id, line.gender, line.size)
    for site, sign, reason in (
        (source, -1, MovementReason.TRANSFER_OUT),
        (destination, 1, MovementReason.TRANSFER_IN),
    ):
        ledger.post_movement(
            session,
            site_id=site.id,
            stock_item_id=stock_item.id,
            quantity=sign * quantity,
            reason=reason,
            actor_id=actor.id,
        )


def adjust_stock(
    session: Session, *, actor: User, site_id: int, stock_item_id: int, counted: int, note: str
) -> int:
    """Set a balance to what was counted; may take it below what movements expect, never
    below zero. Returns the change posted (0 when the count matched)."""
    site = get_site(session, site_id)
    ensure_may_act_at(actor, site)
    if (
        isinstance(counted, bool)
        or not isinstance(counted, int)
        or not 0 <= counted <= MAX_LOOSE_QUANTITY
    ):
        raise InvalidInput(
            _("The count must be a whole number from 0 to 100,000."), field="counted"
        )
    if not note.strip():
        raise InvalidInput(_("Say why the stock is adjusted."), field="note")
    if session.get(StockItem, stock_item_id) is None:
        raise NotFound(
            _("There is no item number %(id)s.", id=stock_item_id), field="stock_item_id"
        )
    delta = counted - ledger.balance_of(session, site.id, stock_item_id)
    if delta:
        ledger.post_movement(
            session,
            site_id=site.id,
            stock_item_id=stock_item_id,
            quantity=delta,
            reason=MovementReason.ADJUSTED,
            actor_id=actor.id,
            note=note.strip()[:500],
            allow_negative=True,
        )
    return delta


# --- need lists -----------------------------------------------------------------------


def set_need(
    session: Session,
    *,
    actor: User,
    site_id: int,
    item_id: int,
    target_quantity: int,
    gender: str = "",
    size: str = "",
    priority: Priority = Priority.NORMAL,
    note: str = "",
) -> NeedLine:
    """Add a line to a site's need list, or change the line for that item and variant."""
    site = get_site(session, site_id)
    ensure_may_act_at(actor, site)
    item = session.get(Item, item_id)
    if item is None or not item.active:
        raise NotFound(_("There is no item number %(id)s.", id=item_id), field="item_id")
    validate_variant_part(item, gender, size)
    validate_quantity(target_quantity, MAX_LOOSE_QUANTITY, field="target_quantity")
    if len(note) > 255:
        raise InvalidInput(_("The note is too long (255 characters at most)."), field="note")
    line = session.scalar(
        select(NeedLine).where(
            NeedLine.site_id == site.id,
            NeedLine.item_id == item.id,
            NeedLine.gender == gender,
            NeedLine.size == size,
        )
    )
    if line is None:
        line = NeedLine(site_id=site.id, item_id=item.id, gender=gender, size=size)
        session.add(line)
    line.target_quantity = target_quantity
    line.priority = Priority(priority)
    line.note = note.strip()
    session.flush()
    return line


def validate_variant_part(item: Item, gender: str, size: str) -> None:
    """A need may name a gender, a size, both or neither ("any")."""
    if gender and (not item.gendered or gender not in {g.value for g in Gender}):
        raise InvalidInput(_("This gender does not apply to this item."), field="gender")
    if size and size not in item.sizes:
        raise InvalidInput(_("This size does not apply to this item."), field="size")


def remove_need(session: Session, *, actor: User, site_id: int, need_id: int) -> None:
    line = session.get(NeedLine, need_id)
    if line is None or line.site_id != site_id:
        raise NotFound(_("This need is no longer on the list."))
    ensure_may_act_at(actor, line.site)
    session.delete(line)
    session.flush()
