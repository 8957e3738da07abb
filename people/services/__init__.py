"""People writes: volunteers, shifts and beds; hosts, nights and placements."""
