"""Several crates at once: scanned one after another, then one action for all of them,
all or nothing."""

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

from app.errors import DomainError, InvalidInput
from app.extensions import db, htmx
from app.forms import act_once, sent_form
from app.permissions import requires
from inventory import queries, services
from inventory.forms import BatchForm
from inventory.views.common import (
    bp,
    sites_for_actor,
    working_site,
)

BATCH_ACTIONS = ("check_in", "dispatch", "distribute", "scrap")


@bp.route("/batch", methods=["GET", "POST"])
@requires("crates.act")
def batch() -> Response | str | tuple[str, int]:
    """Scan many crates, then apply one action to all of them, all or nothing."""
    codes = request.values.getlist("codes")
    added = request.values.get("code", "").strip()
    error = None
    if added:
        try:
            crate = services.get_crate(db.session, added)
            if crate.code not in codes:
                codes.append(crate.code)
        except DomainError as problem:
            error = problem.message
    form = BatchForm()
    if request.method == "POST" and form.action.data in BATCH_ACTIONS and not added:
        try:
            answer = act_once(
                "batch", lambda: apply_batch(codes, form), codes=codes, form=sent_form()
            )
        except DomainError as problem:
            db.session.rollback()
            return render_batch(codes, problem.message), int(problem.status)
        flash(answer.body["message"], "success")
        return redirect(url_for("inventory.batch"), 303)
    crates = [services.get_crate(db.session, code) for code in codes]
    status = 422 if error else 200
    return render_batch([crate.code for crate in crates], error), status


def apply_batch(codes: list[str], form: BatchForm) -> str:
    if not codes:
        raise InvalidInput(_("Scan at least one crate first."), field="code")
    action = form.action.data
    site_id = form.site(required=action in ("check_in", "dispatch"))
    crates = services.lock_crates(db.session, codes)
    services.lock_crate_balances(db.session, crates, also_at=site_id or None)
    for crate in crates:
        try:
            if action == "check_in":
                services.check_in_crate(
                    db.session, actor=current_user, crate=crate, site_id=site_id
                )
            elif action == "dispatch":
                services.dispatch_crate(
                    db.session, actor=current_user, crate=crate, destination_site_id=site_id
                )
            elif action == "distribute":
                services.distribute_crate(db.session, actor=current_user, crate=crate)
            else:
                services.scrap_crate(db.session, actor=current_user, crate=crate)
        except DomainError as problem:
            problem.message = _("Nothing was changed. %(problem)s", problem=problem.message)
            raise
    return _("%(count)s crates updated.", count=len(codes))


def render_batch(codes: list[str], error: str | None = None) -> str:
    crates = [services.get_crate(db.session, code) for code in codes]
    template = (
        "inventory/_batch_list.html" if htmx and request.method == "GET" else "inventory/batch.html"
    )
    return render_template(
        template,
        crates=crates,
        error=error,
        here=working_site(),
        sites=sites_for_actor(),
        all_sites=queries.list_sites(db.session),
    )
