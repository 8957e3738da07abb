"""The day board: every distribution of a day with its checks, refreshed by htmx as
leads work, and the day's plan made from the week template."""

from datetime import date, timedelta
from typing import Any

from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user
from werkzeug.wrappers import Response

from app.clock import local_today
from app.errors import DomainError, NotFound
from app.extensions import db, htmx
from app.forms import wanted_id
from app.permissions import requires
from logistics import planning, queries, services
from logistics.forms.planning import (
    TeamFilterForm,
)
from logistics.services.common import EARLIEST_DAY, LATEST_DAY
from logistics.views.common import bp

BOARD_REFRESH_SECONDS = 20


def parse_day(text: str) -> date:
    """The day of a URL; one outside the years Relais plans for is not found (the first
    and last days a date can hold have no day before or after them to link to)."""
    try:
        day = date.fromisoformat(text)
    except ValueError:
        raise NotFound(_("“%(value)s” is not a day.", value=text[:20])) from None
    if not EARLIEST_DAY <= day <= LATEST_DAY:
        raise NotFound(_("Choose a day from 2000 to 2999."))
    return day


@bp.get("/day")
@requires("distributions.view")
def today() -> Response:
    return redirect(url_for("logistics.day_board", day=local_today().isoformat()))


@bp.get("/day/<day>")
@requires("distributions.view")
def day_board(day: str) -> str:
    """Every distribution of the day with its checks; htmx refreshes it as leads work."""
    when = parse_day(day)
    team_id = wanted_id("team")
    board = planning.day_board(db.session, when, team_id)
    context = {
        "board": board,
        "team_id": team_id,
        "vans": vans_on(board),
        "refresh_seconds": BOARD_REFRESH_SECONDS,
    }
    if htmx:
        return render_template("logistics/_day_board.html", **context)
    return render_template(
        "logistics/day_board.html",
        **context,
        teams=queries.list_teams(db.session),
        previous_day=when - timedelta(days=1),
        next_day=when + timedelta(days=1),
    )


def vans_on(board: planning.DayBoard) -> list[Any]:
    """The vans of the day's distributions, for one pick list each."""
    vans = {
        check.distribution.vehicle.id: check.distribution.vehicle
        for check in board.checks
        if check.distribution.vehicle is not None
    }
    return sorted(vans.values(), key=lambda vehicle: vehicle.name)


@bp.post("/day/<day>/generate")
@requires("distributions.plan")
def generate(day: str) -> Response:
    when = parse_day(day)
    team_id = TeamFilterForm().team()
    try:
        made = services.generate_day_plan(db.session, actor=current_user, team_id=team_id, day=when)
        db.session.commit()
    except DomainError as error:
        db.session.rollback()
        flash(error.message, "error")
    else:
        if made:
            flash(
                ngettext(
                    "%(num)s distribution planned from the week template.",
                    "%(num)s distributions planned from the week template.",
                    len(made),
                ),
                "success",
            )
        else:
            flash(_("Everything in the week template is already planned for this day."), "info")
    return redirect(url_for("logistics.day_board", day=when.isoformat(), team=team_id), 303)
