"""The fuel log: recording a fill-up with the photo of its receipt (on a phone, at the
pump), the log of every vehicle with its CSV, voiding a wrong entry, and the photos."""

from flask import (
    abort,
    flash,
    redirect,
    render_template,
    send_file,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

from app.clock import local_today
from app.errors import DomainError
from app.exports import csv_response
from app.extensions import db
from app.forms import act_once, form_status, refused, typed_form, wanted_id
from app.i18n import current_locale
from app.money import euros
from app.permissions import requires
from app.views import safe_next
from logistics import photos, queries, services
from logistics.forms.vehicles import FillUpForm, VoidFillUpForm
from logistics.models import FillUp, Vehicle
from logistics.views.common import bp, litres, render_log

IMAGE_POLICY = "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; sandbox"


def render_fuel_form(vehicle: Vehicle, form: FillUpForm, status: int = 200) -> tuple[str, int]:
    now = queries.vehicle_now(db.session, vehicle)
    return render_template(
        "logistics/record_fuel.html", vehicle=vehicle, now=now, form=form
    ), status


@bp.route("/vehicles/<int:vehicle_id>/fuel", methods=["GET", "POST"])
@requires("fuel.record")
def record_fuel(vehicle_id: int) -> Response | tuple[str, int]:
    """Record a fill-up; a second press of the button records nothing more."""
    vehicle = services.get_vehicle(db.session, vehicle_id)
    form = FillUpForm()
    locale = current_locale()
    form.fund.choices = [("", _("No: the organisation's own money"))] + [
        (fund.code, fund.name(locale)) for fund in queries.list_fuel_funds(db.session)
    ]
    if not form.is_submitted():
        form.filled_on.data = local_today().isoformat()
    if not form.validate_on_submit():
        return render_fuel_form(vehicle, form, form_status(form))
    stored: list[str] = []
    try:
        data = form.to_input()
        photo = photos.read_photo(form.receipt.data)

        def work() -> str:
            fill_up = services.record_fill_up(
                db.session, actor=current_user, vehicle_id=vehicle.id, data=data
            )
            if photo is not None:
                stored.append(photos.store_photo(photo))
                fill_up.receipt_photo = stored[-1]
                db.session.flush()
            return _(
                "Fill-up recorded: %(litres)s litres, %(cost)s.",
                litres=litres(fill_up.litres_cl),
                cost=euros(fill_up.cost_cents),
            )

        answer = act_once("fill_up", work, vehicle_id=vehicle.id, form=typed_form())
    except DomainError as error:
        for name in stored:
            photos.delete_photo(name)
        return render_fuel_form(vehicle, form, refused(form, error))
    except Exception:
        for name in stored:
            photos.delete_photo(name)
        raise
    flash(answer.body["message"], "success")
    return redirect(url_for("logistics.vehicle", vehicle_id=vehicle.id), 303)


@bp.get("/fuel")
@requires("vehicles.view")
def fuel_log() -> str:
    return render_log("logistics/fuel_log.html", queries.fill_up_log)


@bp.get("/fuel.csv")
@requires("vehicles.view")
def fuel_log_csv() -> Response:
    header = [
        _("Date"),
        _("Vehicle"),
        _("Odometer (km)"),
        _("Litres"),
        _("Cost"),
        _("Full tank"),
        _("A previous fill-up was not recorded"),
        _("Station"),
        _("Paid by"),
        _("Fund"),
        _("Recorded by"),
        _("Voided on"),
    ]
    query = queries.fill_up_log_query(wanted_id("vehicle")).execution_options(yield_per=500)
    rows = (
        [
            fill_up.filled_on.isoformat(),
            fill_up.vehicle.name,
            fill_up.odometer_km,
            f"{fill_up.litres:.2f}",
            f"{fill_up.cost_cents / 100:.2f}",
            _("yes") if fill_up.full_tank else _("no"),
            _("yes") if fill_up.missed_previous else _("no"),
            fill_up.station,
            fill_up.paid_by.label,
            fill_up.fund.code if fill_up.fund else "",
            fill_up.recorded_by.name,
            fill_up.voided_at.date().isoformat() if fill_up.voided_at else "",
        ]
        for fill_up in db.session.scalars(query)
    )
    return csv_response("fuel.csv", header, rows)


@bp.post("/fuel/<int:fill_up_id>/void")
@requires("vehicles.manage")
def void_fill_up(fill_up_id: int) -> Response:
    """Void a wrong fill-up; its money goes back to the fund it was drawn from."""
    form = VoidFillUpForm()
    fill_up = services.void_fill_up(
        db.session, actor=current_user, fill_up_id=fill_up_id, reason=form.reason.data or ""
    )
    vehicle_id = fill_up.vehicle_id
    db.session.commit()
    flash(_("The fill-up is voided: it no longer counts."), "success")
    fallback = url_for("logistics.fuel_log", vehicle=vehicle_id)
    return redirect(safe_next(form.next.data, fallback), 303)


@bp.get("/fuel/<int:fill_up_id>/receipt")
@requires("vehicles.view")
def fuel_receipt(fill_up_id: int) -> Response:
    """The photo of a fill-up's receipt, for those who may see the fuel log."""
    fill_up = db.session.get(FillUp, fill_up_id)
    path = photos.photo_path(fill_up.receipt_photo) if fill_up and fill_up.receipt_photo else None
    if path is None:
        abort(404)
    response = send_file(path, mimetype=photos.MIMETYPES[path.suffix[1:]], conditional=True)
    response.headers["Cache-Control"] = "private, max-age=3600"
    # An image, never a page: the browser's own image viewer may style it, nothing runs.
    response.headers["Content-Security-Policy"] = IMAGE_POLICY
    return response
