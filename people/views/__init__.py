"""People pages. Importing the modules registers their routes."""

from people.views import beds, hosting, hosts, shifts, volunteers
from people.views.common import bp

__all__ = ["beds", "bp", "hosting", "hosts", "shifts", "volunteers"]
