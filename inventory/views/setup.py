"""Setting up sites and the catalogue (coordinators and admins)."""

from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _
from sqlalchemy import select
from werkzeug.wrappers import Response

from app.errors import DomainError
from app.extensions import db
from app.forms import form_status, refused
from app.i18n import current_locale
from app.permissions import requires
from inventory.forms import ItemForm, SiteForm
from inventory.models import Item, Site
from inventory.services.setup import save_item, save_site
from inventory.views.common import bp


@bp.get("/sites/manage")
@requires("sites.manage")
def manage_sites() -> str:
    sites = db.session.scalars(select(Site).order_by(Site.active.desc(), Site.city, Site.name))
    return render_template("inventory/manage_sites.html", sites=sites)


@bp.route("/sites/new", methods=["GET", "POST"], defaults={"site_id": None})
@bp.route("/sites/<int:site_id>/edit", methods=["GET", "POST"])
@requires("sites.manage")
def edit_site(site_id: int | None) -> Response | str | tuple[str, int]:
    site = db.get_or_404(Site, site_id) if site_id else None
    form = SiteForm(obj=site)
    if form.validate_on_submit():
        try:
            saved = save_site(db.session, form.to_input(), site_id)
            db.session.commit()
        except DomainError as error:
            status = refused(form, error)
            return render_template("inventory/edit_site.html", form=form, site=site), status
        flash(_("%(site)s saved.", site=saved.name), "success")
        return redirect(url_for("inventory.manage_sites"), 303)
    return render_template("inventory/edit_site.html", form=form, site=site), form_status(form)


@bp.get("/catalogue")
@requires("catalogue.manage")
def catalogue() -> str:
    items = db.session.scalars(select(Item).order_by(Item.category, Item.name_en))
    return render_template("inventory/catalogue.html", items=items)


@bp.route("/catalogue/new", methods=["GET", "POST"], defaults={"item_id": None})
@bp.route("/catalogue/<int:item_id>/edit", methods=["GET", "POST"])
@requires("catalogue.manage")
def edit_item(item_id: int | None) -> Response | str | tuple[str, int]:
    item = db.get_or_404(Item, item_id) if item_id else None
    form = ItemForm(obj=item)
    if item is not None and not form.is_submitted():
        form.size_range.data = item.size_range.value if item.size_range else ""
    if form.validate_on_submit():
        try:
            saved = save_item(db.session, form.to_input(), item_id)
            db.session.commit()
        except DomainError as error:
            status = refused(form, error)
            return render_template("inventory/edit_item.html", form=form, item=item), status
        flash(_("%(item)s saved.", item=saved.name(current_locale())), "success")
        return redirect(url_for("inventory.catalogue"), 303)
    return render_template("inventory/edit_item.html", form=form, item=item), form_status(form)
