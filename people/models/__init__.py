"""People tables: volunteers, shifts and beds; hosts, nights and placements."""

from people.models.beds import (
    BedBooking,
    BedPlace,
    BookingStatus,
    PaidHow,
)
from people.models.hosting import (
    Host,
    HostingBoard,
    HostingGroup,
    HostingKind,
    HostingRun,
    HostNight,
    Placement,
)
from people.models.volunteers import (
    Shift,
    ShiftKind,
    ShiftPlace,
    ShiftTemplate,
    SignUpStatus,
    Volunteer,
)

__all__ = [
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
