"""Printable crate labels."""

from flask import (
    current_app,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

from app import exports
from app.errors import InvalidInput
from app.extensions import db
from app.forms import form_event_id
from app.i18n import current_locale
from app.idempotency import Answer, run_once
from app.inputs import database_int, member_or
from app.permissions import requires
from inventory import labels as label_pdf
from inventory import queries, services
from inventory.forms import BlankLabelsForm
from inventory.models import Crate, LabelBatch
from inventory.views.common import bp

# --- labels ---------------------------------------------------------------------------


def wanted_batch() -> LabelBatch | None:
    """The batch of new labels of the URL (?batch=ID), if it names one."""
    batch_id = request.args.get("batch", type=database_int)
    return services.get_label_batch(db.session, batch_id) if batch_id else None


@bp.get("/labels")
@requires("labels.print")
def labels() -> str:
    return render_template(
        "inventory/labels.html",
        batch=wanted_batch(),
        new_format=label_format_from(request.args.get("format", "")).value,
    )


@bp.post("/labels/blank")
@requires("crates.create")
def blank_labels() -> Response:
    """Create empty crates, then show the link to their labels (post/redirect/get, so a
    second click on the same form does not create the crates twice). The link names
    their batch, not their codes: 500 codes make an address too long for a server."""
    form = BlankLabelsForm()
    count = form.how_many()

    def work() -> Answer:
        batch = services.create_label_batch(db.session, actor=current_user, count=count)
        return Answer(201, {"batch": batch.id})

    answer = run_once(
        db.session,
        actor_id=current_user.id,
        event_id=form_event_id(),
        action="blank_labels",
        payload={"count": count},
        work=work,
        record_errors=False,
    )
    db.session.commit()
    label_format = label_format_from(form.format.data or "").value
    return redirect(
        url_for("inventory.labels", batch=answer.body["batch"], format=label_format), 303
    )


@bp.get("/labels.pdf")
@requires("labels.print")
def crate_labels() -> Response:
    """Labels of the crates named (?codes=A,B) or of a batch of new ones (?batch=ID)."""
    batch = wanted_batch()
    if batch is not None:
        crates = queries.crates_with_codes(db.session, batch.code_list)
    else:
        codes = [code for code in request.args.get("codes", "").split(",") if code.strip()]
        if not codes:
            raise InvalidInput(_("Name at least one crate code."), field="codes")
        crates = [services.get_crate(db.session, code) for code in codes[:1000]]
    return labels_response(
        labels_for(crates), label_format_from(request.args.get("format", "")), "crate-labels.pdf"
    )


def label_format_from(raw: str) -> label_pdf.LabelFormat:
    return member_or(label_pdf.LabelFormat, raw, label_pdf.LabelFormat.A4_SHEET)


def labels_for(crates: list[Crate]) -> list[label_pdf.Label]:
    base = current_app.config["BASE_URL"]
    locale = current_locale()
    return [
        label_pdf.Label(
            url=f"{base}/c/{crate.code}",
            code=crate.display_code,
            lines=tuple(
                f"{line.stock_item.label(locale)} × {line.quantity}" for line in crate.lines
            ),
            site=crate.site.name if crate.site else "",
            expiry=crate.expiry_date.isoformat() if crate.expiry_date else "",
        )
        for crate in crates
    ]


def labels_response(
    labels_: list[label_pdf.Label], label_format: label_pdf.LabelFormat, filename: str
) -> Response:
    pdf = label_pdf.render_labels(labels_, label_format, more_template=_("+{count} more"))
    return exports.pdf_response(pdf, filename)
