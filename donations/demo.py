"""Demo data: the impact catalogue of a Calais-and-Paris group. Safe to run again."""

from sqlalchemy import select
from sqlalchemy.orm import Session

from donations.models import Fund, GiftItem

# slug, fund, title fr, title en, text fr, text en, amount (cents), target (cents)
GIFT_ITEMS = [
    (
        "fuel-tank",
        "fuel",
        "Un plein pour le van de distribution",
        "A full tank for the distribution van",
        "50 € remplissent le réservoir du van qui porte les repas chauds aux quatre points "
        "de distribution de Calais pendant trois jours.",
        "50 EUR fills the tank of the van that takes warm meals to Calais' four distribution "
        "points for three days.",
        5000,
        None,
    ),
    (
        "two-nights-indoors",
        "housing",
        "Deux nuits à l'abri pour un mineur",
        "Two nights indoors for a minor",
        "10 € paient deux nuits chez un hébergeur solidaire pour un jeune isolé à Paris.",
        "10 EUR pays for two nights with an emergency citizen host for a lone minor in Paris.",
        1000,
        None,
    ),
    (
        "generator",
        "general",
        "Un groupe électrogène",
        "A generator",
        "300 € achètent un groupe électrogène : chacun peut recharger son téléphone, garder "
        "le contact avec sa famille et appeler les secours.",
        "300 EUR buys a generator so people can charge their phones, stay in touch with "
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
        "de 100 € nous rapproche des 6 000 € nécessaires.",
        "To take people to emergency hosts every evening. Each 100 EUR share brings us closer "
        "to the 6,000 EUR we need.",
        10000,
        600000,
    ),
]


def seed(session: Session) -> None:
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
