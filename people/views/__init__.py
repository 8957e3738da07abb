"""People pages. Importing the modules registers their routes."""

# --- volunteers, shifts and beds ---
from people.views import beds, shifts, volunteers  # noqa: F401
from people.views.common import bp

__all__ = ["bp"]
