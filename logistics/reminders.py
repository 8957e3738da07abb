"""Reminders for insurance, technical inspection and service: due soon (within
VEHICLE_REMINDER_DAYS days or VEHICLE_REMINDER_KM km, 30 and 1,000 unless configured),
or overdue. Each can be due on a date, at an odometer reading, or both."""

from dataclasses import dataclass
from datetime import date

from flask_babel import lazy_gettext as _l

from app.labels import LabelledEnum
from logistics.models import Vehicle


class Check(LabelledEnum):
    INSURANCE = "insurance", _l("Insurance")
    INSPECTION = "inspection", _l("Technical inspection")
    SERVICE = "service", _l("Service")


@dataclass(frozen=True)
class Reminder:
    vehicle: Vehicle
    check: Check
    overdue: bool
    due_on: date | None
    due_km: int | None
    days_left: int | None  # negative: days overdue
    km_left: int | None  # negative: km overdue


def reminders_for(
    vehicle: Vehicle, odometer_km: int, *, today: date, soon_days: int, soon_km: int
) -> list[Reminder]:
    """What is due soon or overdue for one vehicle, overdue first."""
    found = []
    for check in Check:
        due_on: date | None = getattr(vehicle, f"{check}_due_on")
        due_km: int | None = getattr(vehicle, f"{check}_due_km")
        days_left = (due_on - today).days if due_on is not None else None
        km_left = due_km - odometer_km if due_km is not None else None
        overdue = (days_left is not None and days_left < 0) or (km_left is not None and km_left < 0)
        soon = (days_left is not None and days_left <= soon_days) or (
            km_left is not None and km_left <= soon_km
        )
        if overdue or soon:
            found.append(Reminder(vehicle, check, overdue, due_on, due_km, days_left, km_left))
    return sorted(found, key=lambda reminder: not reminder.overdue)
