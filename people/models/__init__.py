"""People tables: volunteers, shifts and beds; hosts, nights and placements."""

from people.models.beds import (
    BOOKING_STATUS_LABELS,
    PAID_HOW_LABELS,
    BedBooking,
    BedPlace,
    BookingStatus,
    PaidHow,
)
from people.models.hosting import (
    HOSTING_KIND_LABELS,
    Host,
    HostingBoard,
    HostingGroup,
    HostingKind,
    HostingRun,
    HostNight,
    Placement,
)
from people.models.volunteers import (
    SHIFT_KIND_LABELS,
    SIGN_UP_STATUS_LABELS,
    Shift,
    ShiftKind,
    ShiftPlace,
    ShiftTemplate,
    SignUpStatus,
    Volunteer,
)

__all__ = [
    "BOOKING_STATUS_LABELS",
    "HOSTING_KIND_LABELS",
    "PAID_HOW_LABELS",
    "SHIFT_KIND_LABELS",
    "SIGN_UP_STATUS_LABELS",
    "BedBooking",
    "BedPlace",
    "BookingStatus",
    "Host",
    "HostNight",
    "HostingBoard",
    "HostingGroup",
    "HostingKind",
    "HostingRun",
    "PaidHow",
    "Placement",
    "Shift",
    "ShiftKind",
    "ShiftPlace",
    "ShiftTemplate",
    "SignUpStatus",
    "Volunteer",
]
