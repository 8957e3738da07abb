"""Writes for volunteers and hosting: validate, add, flush; never commit."""
