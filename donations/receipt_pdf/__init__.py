"""The tax receipt (reçu fiscal) as a one-page A4 PDF carrying every mention of the
Cerfa n° 11580*05 model. Pure functions: no Flask, no database. The text is French
whatever the reader's language: it is a French legal document."""

from donations.receipt_pdf.document import Organisation, ReceiptDocument
from donations.receipt_pdf.layout import render_receipt

__all__ = ["Organisation", "ReceiptDocument", "render_receipt"]
