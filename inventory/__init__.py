"""Inventory: sites, catalogue, crates and their labels, scanning, need lists, stock."""

from collections.abc import Iterable

from flask import Flask
from sqlalchemy import select

from app.extensions import Session
from app.models import User


def assign_sites(session: Session, user: User, site_ids: Iterable[int]) -> None:
    from app.errors import NotFound
    from inventory.models import Site, sites_of

    wanted = set(site_ids)
    sites = session.scalars(select(Site).where(Site.id.in_(wanted))).all()
    missing = wanted - {site.id for site in sites}
    if missing:
        raise NotFound(f"No site has the id {', '.join(map(str, sorted(missing)))}.")
    sites_of(user)[:] = sites


def init_app(app: Flask) -> None:
    from sqlalchemy.orm import joinedload

    from app.api import register_api_blueprint
    from app.auth import load_with_api_user
    from app.cli import SITE_ASSIGNER_KEY, register_demo_seeder
    from app.models import ApiToken
    from inventory import api, cli, demo, views
    from inventory.models import USER_SITES

    app.register_blueprint(views.bp)
    app.register_blueprint(views.links)
    register_api_blueprint(app, api.blp)
    app.cli.add_command(cli.check_ledger)
    register_demo_seeder(app, demo.seed)
    app.extensions[SITE_ASSIGNER_KEY] = assign_sites
    # A volunteer's scan checks their sites (may_act_at): load them with the token.
    load_with_api_user(app, joinedload(ApiToken.user).joinedload(USER_SITES))
    app.jinja_env.globals.update(views.template_helpers())
