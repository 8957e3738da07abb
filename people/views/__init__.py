"""People pages. Importing the modules registers their routes."""

# Citizen hosting.
from people.views import hosting as hosting
from people.views.common import bp

__all__ = ["bp"]
