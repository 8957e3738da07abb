"""Trips: checking a vehicle out and back in, on a phone by the van, and their log."""

from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

from app.errors import DomainError
from app.extensions import db
from app.forms import act_once, form_status, refused, typed_form
from app.permissions import requires
from logistics import queries, services
from logistics.forms.vehicles import CheckInForm, CheckOutForm
from logistics.models import Trip, Vehicle
from logistics.services.common import km
from logistics.views.common import bp, render_log


def render_check_out(vehicle: Vehicle, form: CheckOutForm, status: int = 200) -> tuple[str, int]:
    now = queries.vehicle_now(db.session, vehicle)
    may_take = services.check_out_refusal(current_user, vehicle) is None
    return render_template(
        "logistics/check_out.html", vehicle=vehicle, now=now, form=form, may_take=may_take
    ), status


@bp.route("/vehicles/<int:vehicle_id>/check-out", methods=["GET", "POST"])
@requires("trips.drive")
def check_out(vehicle_id: int) -> Response | tuple[str, int]:
    vehicle = services.get_vehicle(db.session, vehicle_id)
    form = CheckOutForm()
    drivers = queries.list_drivers(db.session) if current_user.works_everywhere else [current_user]
    form.driver_id.choices = [(str(driver.id), driver.name) for driver in drivers]
    refusal = services.check_out_refusal(current_user, vehicle)
    if refusal is not None:
        form.form_errors.append(refusal)
        return render_check_out(vehicle, form, 403)
    if not form.is_submitted():
        form.driver_id.data = str(current_user.id)
        form.odometer_km.data = str(queries.vehicle_now(db.session, vehicle).odometer_km)
    if not form.validate_on_submit():
        return render_check_out(vehicle, form, form_status(form))
    try:

        def work() -> str:
            trip = services.check_out_vehicle(
                db.session, actor=current_user, vehicle_id=vehicle.id, **form.read()
            )
            return _(
                "%(vehicle)s is out with %(driver)s.", vehicle=vehicle.name, driver=trip.driver.name
            )

        answer = act_once("check_out", work, vehicle_id=vehicle.id, form=typed_form())
    except DomainError as error:
        return render_check_out(vehicle, form, refused(form, error))
    flash(answer.body["message"], "success")
    return redirect(url_for("logistics.vehicles"), 303)


def render_check_in(trip: Trip, form: CheckInForm, status: int = 200) -> tuple[str, int]:
    return render_template("logistics/check_in.html", trip=trip, form=form), status


@bp.route("/trips/<int:trip_id>/check-in", methods=["GET", "POST"])
@requires("trips.drive")
def check_in(trip_id: int) -> Response | tuple[str, int]:
    trip = services.get_trip(db.session, trip_id)
    form = CheckInForm()
    if not form.is_submitted():
        form.odometer_km.data = str(queries.vehicle_now(db.session, trip.vehicle).odometer_km)
    if not form.validate_on_submit():
        return render_check_in(trip, form, form_status(form))
    try:

        def work() -> str:
            done = services.check_in_vehicle(
                db.session, actor=current_user, trip_id=trip.id, **form.read()
            )
            return _(
                "%(vehicle)s is back: %(km)s km driven.",
                vehicle=done.vehicle.name,
                km=km(done.distance_km or 0),
            )

        answer = act_once("check_in", work, trip_id=trip.id, form=typed_form())
    except DomainError as error:
        status = refused(form, error)
        return render_check_in(services.get_trip(db.session, trip_id), form, status)
    flash(answer.body["message"], "success")
    return redirect(url_for("logistics.vehicles"), 303)


@bp.get("/trips")
@requires("vehicles.view")
def trips() -> str:
    return render_log("logistics/trips.html", queries.trip_log)
