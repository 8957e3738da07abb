"""Demo data: the impact catalogue of a Calais-and-Paris group, and a year of gifts so
the treasurer's pages have something to show. Safe to run again."""

import random
from datetime import UTC, datetime, timedelta
from typing import NamedTuple

from sqlalchemy import func, select

from app.extensions import Session
from donations import services
from donations.models import Donation, Frequency, Fund, Gateway, GiftItem, PaymentMethod

DONORS = [
    ("Jeanne Dupont", "3 rue des Lilas", "59000", "Lille"),
    ("Marc Leroy", "8 quai de la Loire", "75019", "Paris"),
    ("Inès Garcia", "14 avenue Jean Jaurès", "69007", "Lyon"),
    ("Paul Martin", "2 place du Marché", "29000", "Quimper"),
    ("Awa Diallo", "27 rue Nationale", "37000", "Tours"),
    ("Hélène Roux", "5 boulevard Jacquard", "62100", "Calais"),
    ("Thomas Petit", "61 rue de la République", "62200", "Boulogne-sur-Mer"),
    ("Claire Bernard", "9 impasse des Tilleuls", "59140", "Dunkerque"),
]

# slug, fund, title fr, title en, text fr, text en, amount (cents), target (cents)
GIFT_ITEMS = [
    (
        "fuel-tank",
        "fuel",
        "Un plein pour le van de distribution",
        "A full tank for the distribution van",
        "50\u00a0€ remplissent le réservoir du van qui porte les repas chauds aux quatre points "
        "de distribution de Calais pendant trois jours.",
        "€50 fills the tank of the van that takes warm meals to Calais' four distribution "
        "points for three days.",
        5000,
        None,
    ),
    (
        "two-nights-indoors",
        "housing",
        "Deux nuits à l'abri pour un mineur",
        "Two nights indoors for a minor",
        "10\u00a0€ paient deux nuits chez un hébergeur solidaire pour un jeune isolé à Paris.",
        "€10 pays for two nights with an emergency citizen host for a lone minor in Paris.",
        1000,
        None,
    ),
    (
        "generator",
        "general",
        "Un groupe électrogène",
        "A generator",
        "300\u00a0€ achètent un groupe électrogène\u00a0: chacun peut recharger son "
        "téléphone, garder le contact avec sa famille et appeler les secours.",
        "€300 buys a generator so people can charge their phones, stay in touch with "
        "their families and call for help.",
        30000,
        None,
    ),
    (
        "nine-seater-van",
        "vehicles",
        "Un minibus de neuf places",
        "A nine-seater minibus",
        "Pour emmener chaque soir les personnes vers les hébergeurs solidaires. Chaque part "
        "de 100\u00a0€ nous rapproche des 6\u202f000\u00a0€ nécessaires.",
        "To take people to emergency hosts every evening. Each €100 share brings us closer "
        "to the €6,000 we need.",
        10000,
        600000,
    ),
]


def seed(session: Session) -> None:
    seed_gift_items(session)
    session.flush()
    if not session.scalar(select(func.count()).select_from(Donation)):
        seed_gifts(session)


def seed_gift_items(session: Session) -> None:
    funds = {fund.code: fund for fund in session.scalars(select(Fund))}
    known = set(session.scalars(select(GiftItem.slug)))
    for position, row in enumerate(GIFT_ITEMS):
        slug, fund, title_fr, title_en, text_fr, text_en, amount, target = row
        if slug in known:
            continue
        session.add(
            GiftItem(
                slug=slug,
                fund=funds[fund],
                title_fr=title_fr,
                title_en=title_en,
                text_fr=text_fr,
                text_en=text_en,
                amount_cents=amount,
                target_cents=target,
                position=position,
            )
        )


class Gift(NamedTuple):
    paid_at: datetime
    donor: int
    amount_cents: int
    frequency: Frequency
    item: GiftItem | None


def seed_gifts(session: Session) -> None:
    """Forty one-off gifts over the past year (receipts issued), three monthly donors
    whose past year awaits its yearly summary receipts, and a gift from a payment link
    that collected no address, whose receipt waits for the donor's details. Gifts are
    paid in the order of their dates, so receipt numbers follow them."""
    rng = random.Random(2026)
    items = session.scalars(select(GiftItem).order_by(GiftItem.position)).all()
    now = datetime.now(UTC)
    gifts: list[Gift] = []
    for number in range(40):
        item = rng.choice([*items, None])
        paid_at = now - timedelta(days=rng.randint(1, 365), hours=rng.randint(0, 23))
        amount = item.amount_cents if item else rng.choice([2000, 3000, 7500, 15000])
        gifts.append(Gift(paid_at, number % len(DONORS), amount, Frequency.ONCE, item))
    last_year = now.year - 1
    for donor in (1, 4, 6):
        for month in range(1, 13):
            paid_at = datetime(last_year, month, 3 + donor, 10, tzinfo=UTC)
            gifts.append(Gift(paid_at, donor, 1000 + 500 * donor, Frequency.MONTHLY, None))
    for gift in sorted(gifts, key=lambda gift: gift.paid_at):
        give(session, gift.donor, gift.amount_cents, gift.frequency, gift.paid_at, gift.item)
    give_without_address(session, now - timedelta(days=2))


def give(
    session: Session,
    donor: int,
    amount: int,
    frequency: Frequency,
    paid_at: datetime,
    item: GiftItem | None,
) -> None:
    name, street, postcode, city = DONORS[donor]
    donation = Donation(
        fund=item.fund if item else services.get_fund(session, services.GENERAL_FUND),
        gift_item=item,
        frequency=frequency,
        amount_cents=amount,
        gateway=Gateway.DEMO,
        contact_email=f"{name.split()[0].lower()}@example.org",
        contact_name=name,
        contact_address_line1=street,
        contact_postcode=postcode,
        contact_city=city,
        created_at=paid_at,
    )
    session.add(donation)
    session.flush()
    payment = services.Payment(paid_at=paid_at, method=PaymentMethod.CARD)
    services.fulfil_donation(session, donation, payment, now=paid_at)


def give_without_address(session: Session, paid_at: datetime) -> None:
    donation = Donation(
        fund=services.get_fund(session, services.GENERAL_FUND),
        frequency=Frequency.ONCE,
        amount_cents=4000,
        gateway=Gateway.DEMO,
        contact_email="sans.adresse@example.org",
        created_at=paid_at,
    )
    session.add(donation)
    session.flush()
    payment = services.Payment(paid_at=paid_at, method=PaymentMethod.CARD)
    services.fulfil_donation(session, donation, payment, now=paid_at)
