"""People tables: volunteers, shifts and beds; hosts, nights and placements."""

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

__all__ = [
    "HOSTING_KIND_LABELS",
    "Host",
    "HostNight",
    "HostingBoard",
    "HostingGroup",
    "HostingKind",
    "HostingRun",
    "Placement",
]
