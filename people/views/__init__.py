"""People pages. Importing the modules registers their routes."""

from people.views.common import bp

# Citizen hosting.
from people.views import hosting as hosting  # noqa: E402

__all__ = ["bp"]
