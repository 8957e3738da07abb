"""What a receipt says: its data, checked, and the fixed French wording of the Cerfa
n° 11580*05 model it follows."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

# French typography: a non-breaking space before ":", ";", "?" and "!", after "n°" and
# between an amount and "€", so that no line starts with them.
NBSP = "\u00a0"

CERFA = f"Cerfa n°{NBSP}11580*05"
TITLE = "Reçu au titre des dons à certains organismes d’intérêt général"
LEGAL_BASIS = "Articles 200, 238 bis et 978 du code général des impôts"
ACKNOWLEDGEMENT = (
    "Le bénéficiaire reconnaît avoir reçu au titre des dons et versements ouvrant droit "
    f"à réduction d’impôt, la somme de{NBSP}:"
)
CERTIFICATION = (
    "Le bénéficiaire certifie sur l’honneur que les dons et versements qu’il reçoit "
    "ouvrent droit à la réduction d’impôt prévue {articles} du CGI."
)
CANCELLED_NOTICE = (
    f"ANNULÉ{NBSP}: ce reçu a été annulé. Il n’est plus valable et ne doit pas être utilisé."
)
DUPLICATE_NOTICE = (
    f"DUPLICATA{NBSP}: copie d’un reçu déjà délivré, qui ne peut être utilisé qu’une fois."
)
KEEP_NOTICE = f"Conservez ce reçu{NBSP}: l’administration fiscale peut vous le demander."


@dataclass(frozen=True)
class Organisation:
    name: str
    address: str  # lines separated by "\n"
    object: str  # what it does: "Aide alimentaire et hébergement d'urgence ..."
    kind: str  # "Association loi 1901 reconnue d'intérêt général"
    registration: str  # "RNA W623012345" or "SIREN 812 345 678"
    signatory_name: str
    signatory_role: str  # "Trésorière"
    signature_png: bytes | None


@dataclass(frozen=True)
class ReceiptDocument:
    organisation: Organisation
    number: str  # "2026-000123"
    donor_name: str
    donor_address: str  # lines separated by "\n"
    amount_cents: int
    amount_in_words: str  # "cinquante euros et vingt centimes"
    gift_date: date | None  # the day the money was received, for a single gift
    period: tuple[date, date] | None  # for a yearly summary, instead of gift_date
    payment_method: str  # "Carte bancaire", "Prélèvement SEPA", "Virement", "Chèque", "Espèces"
    articles: tuple[str, ...]  # of the CGI giving the reduction, normally ("200",)
    issued_on: date
    verify_url: str  # encoded in the QR code
    cancelled: bool = False
    duplicate: bool = False  # a reprint
    replaces: str | None = None  # number of the receipt this one replaces

    def __post_init__(self) -> None:
        if self.amount_cents <= 0:
            raise ValueError("a receipt is for a positive amount")
        if (self.gift_date is None) == (self.period is None):
            raise ValueError("a receipt gives either the gift's date or a period")
        if self.period and self.period[0] > self.period[1]:
            raise ValueError("the period ends before it starts")
        if not self.articles:
            raise ValueError("a receipt names the articles giving the reduction")


def format_amount(cents: int) -> str:
    """French notation with non-breaking spaces: 1 234 567,89 €."""
    euros, rest = divmod(cents, 100)
    return f"{euros:,}".replace(",", NBSP) + f",{rest:02d}{NBSP}€"


def format_date(day: date) -> str:
    return day.strftime("%d/%m/%Y")


def articles_phrase(articles: Sequence[str]) -> str:
    """The articles as the certification names them: "aux articles 200, 238 bis et 978"."""
    if len(articles) == 1:
        return f"à l’article {articles[0]}"
    return f"aux articles {', '.join(articles[:-1])} et {articles[-1]}"


def certification(document: ReceiptDocument) -> str:
    return CERTIFICATION.format(articles=articles_phrase(document.articles))


def gift_when(document: ReceiptDocument) -> tuple[str, str]:
    """The label and value of the gift's date, or of the period a summary covers."""
    if document.period:
        start, end = document.period
        return "Période", f"du {format_date(start)} au {format_date(end)}"
    assert document.gift_date  # __post_init__ requires one of the two
    return "Date du versement", format_date(document.gift_date)
