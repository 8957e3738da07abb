"""Need lists: edited by coordinators, published to everyone."""

from flask import (
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

from app.errors import DomainError
from app.exports import csv_response
from app.extensions import db
from app.forms import act_once, sent_form
from app.i18n import current_locale
from app.permissions import public, requires
from inventory import queries, services
from inventory.forms import NeedForm
from inventory.models import (
    Gender,
    Priority,
    Site,
    size_label,
)
from inventory.views.common import bp

# --- need lists -----------------------------------------------------------------------


@bp.route("/sites/<int:site_id>/needs/edit", methods=["GET", "POST"])
@requires("needs.manage")
def edit_needs(site_id: int) -> Response | str | tuple[str, int]:
    site = services.get_site(db.session, site_id)
    if request.method == "POST":
        form = NeedForm()
        try:

            def work() -> str:
                services.set_need(db.session, actor=current_user, site_id=site.id, **form.read())
                return _("Need list saved.")

            answer = act_once("need", work, site_id=site.id, form=sent_form())
        except DomainError as error:
            db.session.rollback()
            return render_needs_editor(site, error.message), int(error.status)
        flash(answer.body["message"], "success")
        return redirect(url_for("inventory.edit_needs", site_id=site.id), 303)
    return render_needs_editor(site)


def render_needs_editor(site: Site, error: str | None = None) -> str:
    return render_template(
        "inventory/edit_needs.html",
        site=site,
        needs=queries.list_needs(db.session, site.id),
        items=queries.list_items(db.session),
        error=error,
        priorities=list(Priority),
    )


@bp.post("/sites/<int:site_id>/needs/<int:need_id>/delete")
@requires("needs.manage")
def delete_need(site_id: int, need_id: int) -> Response:
    def work() -> str:
        services.remove_need(db.session, actor=current_user, site_id=site_id, need_id=need_id)
        return _("Removed from the need list.")

    answer = act_once("need_delete", work, need_id=need_id)
    flash(answer.body["message"], "success")
    return redirect(url_for("inventory.edit_needs", site_id=site_id), 303)


@bp.get("/sites")
@public
def public_sites() -> str:
    return render_template(
        "inventory/public_sites.html",
        sites=queries.list_public_collection_points(db.session),
        shortfalls=queries.sites_with_shortfalls(db.session),
    )


@bp.get("/sites/<int:site_id>/needs")
@public
def public_needs(site_id: int) -> str:
    site = services.get_public_site(db.session, site_id)
    return render_template(
        "inventory/public_needs.html", site=site, needs=queries.list_needs(db.session, site.id)
    )


@bp.get("/sites/<int:site_id>/needs.csv")
@public
def public_needs_csv(site_id: int) -> Response:
    site = services.get_public_site(db.session, site_id)
    locale = current_locale()
    return csv_response(
        f"needs-{site.id}.csv",
        [
            _("Priority"),
            _("Item"),
            _("Gender"),
            _("Size"),
            _("Target"),
            _("On hand"),
            _("In transit"),
            _("Still needed"),
            _("Note"),
        ],
        (
            [
                need.line.priority.label,
                need.line.item.name(locale),
                Gender(need.line.gender).label if need.line.gender else _("any"),
                size_label(need.line.size) if need.line.size else _("any"),
                need.line.target_quantity,
                need.on_hand,
                need.in_transit,
                need.shortfall,
                need.line.note,
            ]
            for need in queries.list_needs(db.session, site.id)
        ),
    )
