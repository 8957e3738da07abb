"""Logistics forms: vehicles.py for the vehicles, their fuel and trips; planning.py for
the teams, week templates and distributions."""
