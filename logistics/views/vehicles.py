"""The vehicles: the board (who has which vehicle now, what is due), a vehicle's page
with its consumption and costs, the costs of the fleet, and adding or changing one."""

from flask import flash, redirect, render_template, url_for
from flask_babel import format_date
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

from app.errors import DomainError
from app.extensions import db, htmx
from app.forms import form_status, refused
from app.i18n import tick
from app.money import whole_euros
from app.permissions import requires
from inventory.queries import list_sites
from logistics import queries, services
from logistics.charts import column_chart
from logistics.consumption import Consumption
from logistics.forms.vehicles import VehicleForm
from logistics.queries import MonthCost
from logistics.views.common import bp

RECENT = 10
INTERVALS_CHARTED = 12


@bp.get("/")
@requires("vehicles.view")
def vehicles() -> str:
    """The board; htmx refreshes its fragment every minute."""
    fleet = queries.fleet_now(db.session)
    if htmx:
        return render_template("logistics/_board.html", fleet=fleet)
    reminders = sorted(
        (reminder for now in fleet for reminder in now.reminders),
        key=lambda reminder: not reminder.overdue,
    )
    return render_template("logistics/vehicles.html", fleet=fleet, reminders=reminders)


def cost_chart(months: list[MonthCost]) -> object:
    return column_chart(
        [(format_date(month.month, "MMM yy"), month.cost_cents) for month in months],
        whole_euros,
    )


def consumption_chart(consumption: Consumption) -> object:
    return column_chart(
        [
            (format_date(interval.end_on, "d MMM"), interval.litres_per_100km)
            for interval in consumption.intervals[-INTERVALS_CHARTED:]
        ],
        tick,
    )


@bp.get("/vehicles/<int:vehicle_id>")
@requires("vehicles.view")
def vehicle(vehicle_id: int) -> str:
    found = services.get_vehicle(db.session, vehicle_id)
    consumption = queries.consumption_of(db.session, found.id)
    months = queries.monthly_costs(db.session, [found.id])[found.id]
    return render_template(
        "logistics/vehicle.html",
        now=queries.vehicle_now(db.session, found),
        vehicle=found,
        consumption=consumption,
        intervals=consumption.intervals[-INTERVALS_CHARTED:],
        consumption_chart=consumption_chart(consumption),
        months=months,
        cost_chart=cost_chart(months),
        fill_ups=queries.fill_up_log(db.session, found.id, 1, RECENT),
        trips=queries.trip_log(db.session, found.id, 1, RECENT),
    )


@bp.get("/costs")
@requires("vehicles.view")
def costs() -> str:
    """Consumption and cost per km of each vehicle, and fuel costs per month."""
    fleet = queries.list_vehicles(db.session)
    per_vehicle = queries.monthly_costs(db.session, [vehicle.id for vehicle in fleet])
    months = [month.month for month in next(iter(per_vehicle.values()), [])]
    totals = [
        MonthCost(
            month,
            sum(per_vehicle[vehicle.id][index].cost_cents for vehicle in fleet),
            sum(per_vehicle[vehicle.id][index].litres_cl for vehicle in fleet),
            sum(per_vehicle[vehicle.id][index].fill_ups for vehicle in fleet),
        )
        for index, month in enumerate(months)
    ]
    return render_template(
        "logistics/costs.html",
        fleet=fleet,
        consumption={
            vehicle.id: queries.consumption_of(db.session, vehicle.id) for vehicle in fleet
        },
        per_vehicle=per_vehicle,
        totals=totals,
        cost_chart=cost_chart(totals),
    )


@bp.route("/vehicles/new", methods=["GET", "POST"], defaults={"vehicle_id": None})
@bp.route("/vehicles/<int:vehicle_id>/edit", methods=["GET", "POST"])
@requires("vehicles.manage")
def edit_vehicle(vehicle_id: int | None) -> Response | str | tuple[str, int]:
    found = services.get_vehicle(db.session, vehicle_id) if vehicle_id else None
    form = VehicleForm()
    form.home_site_id.choices = [(str(site.id), site.name) for site in list_sites(db.session)]
    if found is not None and not form.is_submitted():
        form.fill_from(found)
    if form.validate_on_submit():
        try:
            saved = services.save_vehicle(
                db.session,
                actor=current_user,
                data=form.to_input(new=found is None),
                vehicle_id=vehicle_id,
            )
            db.session.commit()
        except DomainError as error:
            status = refused(form, error)
            return render_template("logistics/edit_vehicle.html", form=form, vehicle=found), status
        flash(_("%(vehicle)s saved.", vehicle=saved.name), "success")
        return redirect(url_for("logistics.vehicle", vehicle_id=saved.id), 303)
    page = render_template("logistics/edit_vehicle.html", form=form, vehicle=found)
    return page, form_status(form)
