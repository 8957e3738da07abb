"""People tables: volunteers, shifts and beds; hosts, nights and placements."""
