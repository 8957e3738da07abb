"""Need lists: what each site asks for."""

from flask_babel import gettext as _
from sqlalchemy import select

from app.errors import InvalidInput, NotFound
from app.extensions import Session
from app.models import User
from inventory.models import (
    Gender,
    Item,
    NeedLine,
    Priority,
)
from inventory.services.common import (
    MAX_LOOSE_QUANTITY,
    ensure_may_act_at,
    get_site,
    validate_quantity,
)

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
