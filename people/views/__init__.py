"""People pages. Importing the modules registers their routes."""

from people.views.common import bp

__all__ = ["bp"]
