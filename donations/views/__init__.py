"""Donations pages. Importing the modules registers their routes: the public giving
pages and the treasurer's on the donations blueprint (bp), the donor area on its own
(donor_bp)."""

from donations.views import giving, treasurer
from donations.views.common import bp
from donations.views.donor_area import bp as donor_bp

__all__ = ["bp", "donor_bp", "giving", "treasurer"]
