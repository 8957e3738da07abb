"""People forms: volunteers.py for the sign-up, shifts and beds; hosting.py for hosts,
nights and placements."""
