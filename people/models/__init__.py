"""People tables: volunteers, shifts and beds; hosts, nights and placements."""

# --- volunteers, shifts and beds ---
from people.models.beds import (
    BOOKING_STATUS_LABELS,
    PAID_HOW_LABELS,
    BedBooking,
    BedPlace,
    BookingStatus,
    PaidHow,
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
    "PAID_HOW_LABELS",
    "SHIFT_KIND_LABELS",
    "SIGN_UP_STATUS_LABELS",
    "BedBooking",
    "BedPlace",
    "BookingStatus",
    "PaidHow",
    "Shift",
    "ShiftKind",
    "ShiftPlace",
    "ShiftTemplate",
    "SignUpStatus",
    "Volunteer",
]
