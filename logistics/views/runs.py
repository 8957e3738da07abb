"""Running a distribution: loading the van, setting off, and recording the run (people
served, handed out, brought back)."""

from typing import Any

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user
from werkzeug.wrappers import Response

from app.errors import DomainError
from app.extensions import db
from app.forms import act_once, typed_form
from app.permissions import requires
from logistics import services
from logistics.forms.planning import (
    LoadForm,
    RecordRunForm,
)
from logistics.models import Distribution
from logistics.views.common import bp
from logistics.views.distributions import act, items_on


@bp.post("/distributions/<int:distribution_id>/load")
@requires("distributions.run")
def load(distribution_id: int) -> Response | tuple[str, int]:
    """A crate by its code (typed or scanned), or loose units of a pick-list item."""
    form = LoadForm()

    def work() -> str:
        code = form.code.data or ""
        if code.strip():
            crate = services.load_crate(
                db.session, actor=current_user, distribution_id=distribution_id, code=code
            )
            return _("Crate %(code)s is on the van.", code=crate.display_code)
        stock_item_id, quantity = form.loose()
        services.load_loose(
            db.session,
            actor=current_user,
            distribution_id=distribution_id,
            stock_item_id=stock_item_id,
            quantity=quantity,
        )
        return ngettext("%(num)s unit loaded.", "%(num)s units loaded.", quantity)

    return act(distribution_id, "load", work, "#loading")


@bp.post("/distributions/<int:distribution_id>/unload")
@requires("distributions.run")
def unload(distribution_id: int) -> Response | tuple[str, int]:
    form = LoadForm()

    def work() -> str:
        crate_id = form.crate()
        if crate_id is not None:
            crate = services.unload_crate(
                db.session, actor=current_user, distribution_id=distribution_id, crate_id=crate_id
            )
            return _("Crate %(code)s is back in the warehouse.", code=crate.display_code)
        stock_item_id, quantity = form.loose()
        services.unload_loose(
            db.session,
            actor=current_user,
            distribution_id=distribution_id,
            stock_item_id=stock_item_id,
            quantity=quantity,
        )
        return _("Taken off the van and back in the warehouse.")

    return act(distribution_id, "unload", work, "#loading")


@bp.post("/distributions/<int:distribution_id>/set-off")
@requires("distributions.run")
def set_off(distribution_id: int) -> Response | tuple[str, int]:
    def work() -> str:
        distribution = services.set_off(
            db.session, actor=current_user, distribution_id=distribution_id
        )
        return _("%(label)s is on its way.", label=distribution.label)

    return act(distribution_id, "set_off", work)


def render_record(
    distribution: Distribution, values: dict[str, Any], error: DomainError | None = None
) -> tuple[str, int]:
    van = services.on_the_van(db.session, distribution)
    page = render_template(
        "logistics/record_run.html",
        distribution=distribution,
        van=van,
        van_items=items_on(van),
        values=values,
        error=error,
    )
    return page, int(error.status) if error else 200


@bp.route("/distributions/<int:distribution_id>/record", methods=["GET", "POST"])
@requires("distributions.run")
def record(distribution_id: int) -> Response | tuple[str, int]:
    """After the run: people served (counts only), handed out, brought back."""
    distribution = services.get_distribution(db.session, distribution_id)
    if request.method == "GET":
        return render_record(distribution, {})
    van = services.on_the_van(db.session, distribution)
    form = RecordRunForm.for_van(van.loose, van.crates)

    def work() -> str:
        served = form.served()
        services.record_run(
            db.session,
            actor=current_user,
            distribution_id=distribution.id,
            served=served,
            loose=form.loose_outcomes(van.loose),
            crates_back=form.crates_back(van.crates),
            notes=form.notes.data or "",
        )
        people = served.adults + served.minors
        return ngettext(
            "Run recorded: %(num)s person served.", "Run recorded: %(num)s people served.", people
        )

    try:
        answer = act_once(
            "record_run",
            work,
            distribution_id=distribution.id,
            form=typed_form(),
        )
    except DomainError as error:
        db.session.rollback()
        distribution = services.get_distribution(db.session, distribution_id)
        return render_record(distribution, form.values(), error)
    flash(answer.body["message"], "success")
    return redirect(url_for("logistics.distribution", distribution_id=distribution.id), 303)
