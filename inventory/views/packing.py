"""Packing a crate and correcting its contents: the rows of items a volunteer fills in,
and the item search and recent items that add a row."""

import uuid
from typing import Any

from flask import (
    abort,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

from app.errors import Conflict, DomainError
from app.extensions import db
from app.forms import act_once, field_texts, refused, row_field, sent_form
from app.inputs import database_int
from app.permissions import requires
from inventory import lifecycle, queries, services
from inventory.forms import LINE_LABELS, CrateLinesForm, PackForm
from inventory.models import (
    Crate,
    CrateAction,
    Item,
    StockItem,
)
from inventory.views.common import (
    bp,
    crate_answer,
    sites_for_actor,
    working_site,
)


@bp.route("/crates/<code>/pack", methods=["GET", "POST"])
@requires("crates.act")
def pack(code: str) -> Response | str | tuple[str, int]:
    posting = request.method == "POST"
    crate = services.get_crate(db.session, code, for_update=posting)
    form = PackForm.posted() if posting else None
    acting = form is not None and not form.adding_row
    if not lifecycle.allows(crate, CrateAction.PACK) and not acting:
        return redirect(url_for("inventory.crate_detail", code=crate.code), 303)
    if form is not None and acting:
        packing = form
        try:
            return crate_answer(
                crate.code,
                act_once(
                    "pack",
                    lambda: do_pack(crate, packing),
                    code=crate.code,
                    form=sent_form(lists=True),
                ),
            )
        except DomainError as error:
            status = refused(form, error)
            return render_pack(code, form), status
    return render_pack(code, form)


def do_pack(crate: Crate, form: PackForm) -> str:
    """Refuses a crate packed meanwhile: a pack sent from a phone's outbox may arrive
    after someone else packed the crate."""
    if not lifecycle.allows(crate, CrateAction.PACK):
        raise Conflict(
            _("Crate %(code)s is already packed: nothing was changed.", code=crate.display_code)
        )
    site_id = form.site()
    services.pack_crate(
        db.session,
        actor=current_user,
        crate=crate,
        site_id=site_id,
        lines=form.lines(),
        expiry_date=form.expiry(),
        weight_grams=form.weight_grams(),
        note=form.note.data or "",
        place=form.place.data,
    )
    session["site_id"] = site_id
    return _("Crate %(code)s packed and in stock.", code=crate.display_code)


@bp.get("/pack")
@requires("crates.act")
def pack_shell() -> str:
    """The pack page without its crate: a phone keeps it to pack, without signal, a
    crate it has not opened before (outbox.js points the form at that crate)."""
    here = working_site()
    return render_template(
        "inventory/pack.html",
        crate=None,
        here=here,
        sites=sites_for_actor(),
        rows=[blank_row()],
        items=queries.list_items(db.session),
        recent=[],
        form={},
        posted=None,
    )


def render_pack(code: str, form: PackForm | None) -> str:
    """The pack page; a refused form's refusals are in its fields (see app.forms.refused)."""
    crate = services.get_crate(db.session, code)
    here = working_site()
    rows = posted_rows(form) if form is not None else []
    if not rows or (form is not None and form.adding_row):
        rows.append(blank_row())
    return render_template(
        "inventory/pack.html",
        crate=crate,
        here=here,
        sites=sites_for_actor(),
        rows=rows,
        items=queries.list_items(db.session),
        recent=queries.recent_stock_items_packed_at(db.session, here.id) if here else [],
        form=field_texts(form) if form is not None else {},
        posted=form,
    )


def blank_row(
    item: Item | None = None, gender: str = "", size: str = "", quantity: str = ""
) -> dict[str, Any]:
    return {
        "key": uuid.uuid4().hex[:8],
        "item": item,
        "gender": gender,
        "size": size,
        "quantity": quantity,
        "errors": {},
    }


def posted_rows(form: CrateLinesForm) -> list[dict[str, Any]]:
    """The rows as sent, each with its fields' refusals, to show beside them."""
    rows = []
    for typed in form.typed_rows():
        raw_item = typed["item_id"]
        item = db.session.get(Item, int(raw_item)) if raw_item.isdigit() else None
        row = blank_row(item, typed["gender"], typed["size"], typed["quantity"])
        if typed["key"].isalnum():
            row["key"] = typed["key"]
            row["errors"] = row_errors(form, typed["key"])
        rows.append(row)
    return rows


def row_errors(form: CrateLinesForm, key: str) -> dict[str, str]:
    errors = {name: form[row_field(name, key)].errors for name in LINE_LABELS}
    return {name: " ".join(messages) for name, messages in errors.items() if messages}


@bp.get("/pack-line")
@requires("crates.act")
def pack_line() -> str:
    """One crate line, for an item picked from the search or the recent items."""
    stock_item_id = request.args.get("stock_item_id", type=database_int)
    if stock_item_id:
        stock_item = db.session.get(StockItem, stock_item_id) or abort(404)
        row = blank_row(stock_item.item, stock_item.gender, stock_item.size)
    else:
        item_id = request.args.get("item_id", type=database_int) or 0
        item = db.session.get(Item, item_id) or abort(404)
        row = blank_row(item)
    return render_template(
        "inventory/_pack_line.html", row=row, items=queries.list_items(db.session)
    )


@bp.get("/items/search")
@requires("crates.act")
def item_search() -> str:
    text = request.args.get("q", "")[:60]
    return render_template(
        "inventory/_item_results.html", items=queries.search_items(db.session, text), text=text
    )


@bp.route("/crates/<code>/contents", methods=["GET", "POST"])
@requires("crates.act")
def edit_contents(code: str) -> Response | str | tuple[str, int]:
    posting = request.method == "POST"
    crate = services.get_crate(db.session, code, for_update=posting)
    form = CrateLinesForm.posted() if posting else None
    if form is not None and not form.adding_row:
        lines = form

        def work() -> str:
            kept = lines.lines(zero_removes=True)
            services.edit_crate_contents(db.session, actor=current_user, crate=crate, lines=kept)
            return _("Contents of crate %(code)s corrected.", code=crate.display_code)

        try:
            return crate_answer(
                crate.code, act_once("contents", work, code=crate.code, form=sent_form(lists=True))
            )
        except DomainError as error:
            status = refused(form, error)
            return render_contents(code, form), status
    return render_contents(code, form)


def render_contents(code: str, form: CrateLinesForm | None) -> str:
    crate = services.get_crate(db.session, code)
    if form is None:
        rows = [
            blank_row(
                line.stock_item.item,
                line.stock_item.gender,
                line.stock_item.size,
                str(line.quantity),
            )
            for line in crate.lines
        ]
    else:
        rows = posted_rows(form)
        if form.adding_row:
            rows.append(blank_row())
    return render_template(
        "inventory/edit_contents.html",
        crate=crate,
        rows=rows,
        items=queries.list_items(db.session),
        posted=form,
    )
