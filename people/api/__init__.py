"""JSON API for teams, shifts and hosting. Same services and permissions as the pages.
Importing the modules registers their routes on `blp`."""

from people.api import hosting, volunteers
from people.api.common import blp

__all__ = ["blp", "hosting", "volunteers"]
