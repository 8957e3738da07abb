"""Demo data: the sites, catalogue, need lists and crates of a Calais-and-Paris group.
Safe to run again: what exists is kept."""

import random
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import func, select

from app.extensions import Session
from app.models import Role, User
from inventory import ledger, services
from inventory.models import (
    Category,
    Crate,
    Gender,
    Item,
    NeedLine,
    Priority,
    Site,
    SiteKind,
    SizeRange,
    Unit,
    sites_of,
)

SITES = [
    (
        "Entrepôt Calais",
        SiteKind.WAREHOUSE,
        "12 rue des Quatre-Coins",
        "62100",
        "Calais",
        50.9513,
        1.8587,
        "Lun-sam 9h-18h",
        "entrepot@relais.test",
        False,
    ),
    (
        "Distribution Calais - Hôpital",
        SiteKind.DISTRIBUTION_POINT,
        "Rue de Moscou",
        "62100",
        "Calais",
        50.9446,
        1.8679,
        "Tous les jours 12h et 18h",
        "",
        False,
    ),
    (
        "Distribution Calais - Fort Nieulay",
        SiteKind.DISTRIBUTION_POINT,
        "Route de Gravelines",
        "62100",
        "Calais",
        50.9559,
        1.8210,
        "Tous les jours 12h30 et 18h30",
        "",
        False,
    ),
    (
        "Porte de la Chapelle",
        SiteKind.DISTRIBUTION_POINT,
        "Boulevard Ney",
        "75018",
        "Paris",
        48.8986,
        2.3592,
        "Petits-déjeuners 8h-10h",
        "paris@relais.test",
        False,
    ),
    (
        "Point de collecte Calais",
        SiteKind.COLLECTION_POINT,
        "5 rue Jean Jaurès",
        "62100",
        "Calais",
        50.9497,
        1.8561,
        "Mer et sam 10h-17h",
        "collecte.calais@relais.test",
        True,
    ),
    (
        "Point de collecte Paris",
        SiteKind.COLLECTION_POINT,
        "32 rue Myrha",
        "75018",
        "Paris",
        48.8868,
        2.3530,
        "Mar et jeu 17h-20h, sam 10h-13h",
        "collecte.paris@relais.test",
        True,
    ),
    (
        "Point de collecte Lille",
        SiteKind.COLLECTION_POINT,
        "45 rue Gambetta",
        "59000",
        "Lille",
        50.6292,
        3.0573,
        "Mer 14h-19h, sam 10h-17h",
        "lille@relais.test",
        True,
    ),
    (
        "Point de collecte Lyon",
        SiteKind.COLLECTION_POINT,
        "8 quai Perrache",
        "69002",
        "Lyon",
        45.7485,
        4.8268,
        "Sam 10h-16h",
        "lyon@relais.test",
        True,
    ),
    (
        "Point de collecte Quimper",
        SiteKind.COLLECTION_POINT,
        "3 place Saint-Corentin",
        "29000",
        "Quimper",
        47.9960,
        -4.1024,
        "Ven 16h-19h",
        "quimper@relais.test",
        True,
    ),
    (
        "Point de collecte Tours",
        SiteKind.COLLECTION_POINT,
        "21 rue Nationale",
        "37000",
        "Tours",
        47.3936,
        0.6892,
        "Mar et jeu 17h-20h",
        "tours@relais.test",
        True,
    ),
]

CLOTHES, SHOES, BEDDING, HYGIENE, FOOD, BABY, OTHER = (
    Category.CLOTHING,
    Category.SHOES,
    Category.BEDDING,
    Category.HYGIENE,
    Category.FOOD,
    Category.BABY,
    Category.OTHER,
)
LETTERS, EU_SIZES, AGES = SizeRange.LETTERS, SizeRange.EU_SHOES, SizeRange.CHILD_AGE
ADULTS = (Gender.MEN, Gender.MEN, Gender.WOMEN, Gender.UNISEX_ADULT)
KIDS = (Gender.BOYS, Gender.GIRLS, Gender.UNISEX_CHILD)
ANYONE: tuple[Gender, ...] = ()
# The crate the README names, so that typing it on the scan page opens a packed crate.
EXAMPLE_CODE = "7K3MQ9XJ"
STORY_DAYS = 120

# (category, French, English, unit, size range, who it is for: adults, children or anyone)
CATALOGUE = [
    (CLOTHES, "Pantalon", "Trousers", Unit.PIECE, LETTERS, ADULTS),
    (CLOTHES, "Jean", "Jeans", Unit.PIECE, LETTERS, ADULTS),
    (CLOTHES, "Jogging", "Tracksuit bottoms", Unit.PIECE, LETTERS, ADULTS),
    (CLOTHES, "Tee-shirt", "T-shirt", Unit.PIECE, LETTERS, ADULTS),
    (CLOTHES, "Pull", "Jumper", Unit.PIECE, LETTERS, ADULTS),
    (CLOTHES, "Sweat à capuche", "Hoodie", Unit.PIECE, LETTERS, ADULTS),
    (CLOTHES, "Veste chaude", "Warm jacket", Unit.PIECE, LETTERS, ADULTS),
    (CLOTHES, "Manteau imperméable", "Raincoat", Unit.PIECE, LETTERS, ADULTS),
    (CLOTHES, "Caleçon", "Boxer shorts", Unit.PIECE, LETTERS, ADULTS),
    (CLOTHES, "Chaussettes", "Socks", Unit.PAIR, None, ANYONE),
    (CLOTHES, "Bonnet", "Beanie hat", Unit.PIECE, None, ANYONE),
    (CLOTHES, "Gants", "Gloves", Unit.PAIR, None, ANYONE),
    (CLOTHES, "Écharpe", "Scarf", Unit.PIECE, None, ANYONE),
    (CLOTHES, "Sous-vêtement thermique", "Thermal underwear", Unit.PIECE, LETTERS, ADULTS),
    (CLOTHES, "Pantalon enfant", "Children's trousers", Unit.PIECE, AGES, KIDS),
    (CLOTHES, "Manteau enfant", "Children's coat", Unit.PIECE, AGES, KIDS),
    (CLOTHES, "Pull enfant", "Children's jumper", Unit.PIECE, AGES, KIDS),
    (CLOTHES, "Short", "Shorts", Unit.PIECE, LETTERS, ADULTS),
    (CLOTHES, "Ceinture", "Belt", Unit.PIECE, None, ANYONE),
    (CLOTHES, "Poncho de pluie", "Rain poncho", Unit.PIECE, None, ANYONE),
    (SHOES, "Baskets", "Trainers", Unit.PAIR, EU_SIZES, ADULTS),
    (SHOES, "Chaussures de marche", "Walking boots", Unit.PAIR, EU_SIZES, ADULTS),
    (SHOES, "Bottes en caoutchouc", "Wellington boots", Unit.PAIR, EU_SIZES, ADULTS),
    (SHOES, "Claquettes", "Sliders", Unit.PAIR, EU_SIZES, ADULTS),
    (SHOES, "Chaussures enfant", "Children's shoes", Unit.PAIR, EU_SIZES, KIDS),
    (BEDDING, "Sac de couchage", "Sleeping bag", Unit.PIECE, None, ANYONE),
    (BEDDING, "Couverture", "Blanket", Unit.PIECE, None, ANYONE),
    (BEDDING, "Couverture de survie", "Emergency blanket", Unit.PIECE, None, ANYONE),
    (BEDDING, "Tente 2 places", "Two-person tent", Unit.PIECE, None, ANYONE),
    (BEDDING, "Bâche", "Tarpaulin", Unit.PIECE, None, ANYONE),
    (BEDDING, "Tapis de sol", "Sleeping mat", Unit.PIECE, None, ANYONE),
    (BEDDING, "Sac à dos", "Rucksack", Unit.PIECE, None, ANYONE),
    (BEDDING, "Lampe frontale", "Head torch", Unit.PIECE, None, ANYONE),
    (BEDDING, "Batterie externe", "Power bank", Unit.PIECE, None, ANYONE),
    (HYGIENE, "Brosse à dents", "Toothbrush", Unit.PIECE, None, ANYONE),
    (HYGIENE, "Dentifrice", "Toothpaste", Unit.PIECE, None, ANYONE),
    (HYGIENE, "Savon", "Soap", Unit.PIECE, None, ANYONE),
    (HYGIENE, "Gel douche", "Shower gel", Unit.PIECE, None, ANYONE),
    (HYGIENE, "Shampooing", "Shampoo", Unit.PIECE, None, ANYONE),
    (HYGIENE, "Rasoir jetable", "Disposable razor", Unit.PIECE, None, ANYONE),
    (HYGIENE, "Serviette de toilette", "Towel", Unit.PIECE, None, ANYONE),
    (HYGIENE, "Serviettes hygiéniques", "Sanitary pads", Unit.PACK, None, ANYONE),
    (HYGIENE, "Déodorant", "Deodorant", Unit.PIECE, None, ANYONE),
    (HYGIENE, "Mouchoirs", "Tissues", Unit.PACK, None, ANYONE),
    (HYGIENE, "Kit d'hygiène", "Hygiene kit", Unit.PIECE, None, ANYONE),
    (HYGIENE, "Crème hydratante", "Moisturising cream", Unit.PIECE, None, ANYONE),
    (HYGIENE, "Coupe-ongles", "Nail clippers", Unit.PIECE, None, ANYONE),
    (FOOD, "Eau potable", "Drinking water", Unit.LITRE, None, ANYONE),
    (FOOD, "Repas chaud", "Warm meal", Unit.PIECE, None, ANYONE),
    (FOOD, "Thé", "Tea", Unit.PACK, None, ANYONE),
    (FOOD, "Sucre", "Sugar", Unit.KG, None, ANYONE),
    (FOOD, "Biscuits", "Biscuits", Unit.PACK, None, ANYONE),
    (FOOD, "Pain", "Bread", Unit.PIECE, None, ANYONE),
    (FOOD, "Dattes", "Dates", Unit.KG, None, ANYONE),
    (FOOD, "Conserves de légumes", "Tinned vegetables", Unit.PIECE, None, ANYONE),
    (FOOD, "Riz", "Rice", Unit.KG, None, ANYONE),
    (BABY, "Couches", "Nappies", Unit.PACK, AGES, ANYONE),
    (BABY, "Lait infantile", "Infant formula", Unit.PIECE, None, ANYONE),
    (BABY, "Lingettes bébé", "Baby wipes", Unit.PACK, None, ANYONE),
    (BABY, "Body bébé", "Baby bodysuit", Unit.PIECE, AGES, ANYONE),
    (BABY, "Porte-bébé", "Baby carrier", Unit.PIECE, None, ANYONE),
    (OTHER, "Masque chirurgical", "Face mask", Unit.PACK, None, ANYONE),
    (OTHER, "Chargeur de téléphone", "Phone charger", Unit.PIECE, None, ANYONE),
    (OTHER, "Carte SIM", "SIM card", Unit.PIECE, None, ANYONE),
    (OTHER, "Parapluie", "Umbrella", Unit.PIECE, None, ANYONE),
    (OTHER, "Thermos", "Flask", Unit.PIECE, None, ANYONE),
]

NEEDS = [
    ("Trousers", Gender.MEN, "M", 60, Priority.URGENT, "Surtout des joggings et jeans"),
    ("Trousers", Gender.MEN, "S", 40, Priority.HIGH, ""),
    ("Sleeping bag", "", "", 80, Priority.URGENT, "Grand froid annoncé"),
    ("Toothbrush", "", "", 300, Priority.HIGH, ""),
    ("Socks", "", "", 400, Priority.URGENT, "Neuves de préférence"),
    ("Warm jacket", Gender.MEN, "", 50, Priority.HIGH, "Toutes tailles"),
    ("Trainers", Gender.MEN, "", 40, Priority.NORMAL, "Du 40 au 44"),
    ("Nappies", "", "", 30, Priority.NORMAL, ""),
    ("Power bank", "", "", 20, Priority.NORMAL, ""),
]


def seed(session: Session) -> None:
    sites = seed_sites(session)
    items = seed_catalogue(session)
    admin = session.scalar(select(User).where(User.role == Role.ADMIN).order_by(User.id))
    assign_demo_volunteer(session, sites)
    seed_needs(session, sites, items, admin)
    if admin is not None and not session.scalar(select(func.count()).select_from(Crate)):
        seed_crates(session, sites, items, admin)


def seed_sites(session: Session, sites: list[tuple[Any, ...]] = SITES) -> dict[str, Site]:
    """The sites missing from the database, added; every site by name."""
    existing = {site.name: site for site in session.scalars(select(Site))}
    for name, kind, address, postcode, city, lat, lon, hours, contact, public in sites:
        if name not in existing:
            existing[name] = Site(
                name=name,
                kind=kind,
                address=address,
                postcode=postcode,
                city=city,
                latitude=lat,
                longitude=lon,
                opening_hours=hours,
                contact=contact,
                is_public=public,
            )
            session.add(existing[name])
    session.flush()
    return existing


def seed_catalogue(session: Session) -> dict[str, Item]:
    existing = {item.name_en: item for item in session.scalars(select(Item))}
    for category, name_fr, name_en, unit, size_range, who in CATALOGUE:
        if name_en not in existing:
            existing[name_en] = Item(
                category=category,
                name_fr=name_fr,
                name_en=name_en,
                unit=unit,
                size_range=size_range,
                gendered=bool(who),
            )
            session.add(existing[name_en])
    session.flush()
    return existing


def assign_demo_volunteer(session: Session, sites: dict[str, Site]) -> None:
    volunteer = session.scalar(select(User).where(User.email == "benevole@relais.test"))
    if volunteer is not None and not sites_of(volunteer):
        sites_of(volunteer)[:] = [sites["Point de collecte Lille"], sites["Entrepôt Calais"]]


def seed_needs(
    session: Session, sites: dict[str, Site], items: dict[str, Item], admin: User | None
) -> None:
    if admin is None or session.scalar(select(func.count()).select_from(NeedLine)):
        return
    for site in sites.values():
        if site.kind == SiteKind.WAREHOUSE:
            continue
        for name, gender, size, target, priority, note in NEEDS:
            services.set_need(
                session,
                actor=admin,
                site_id=site.id,
                item_id=items[name].id,
                target_quantity=target,
                gender=gender,
                size=size,
                priority=priority,
                note=note,
            )


WHO_FOR = {name_en: who for _category, _fr, name_en, _unit, _sizes, who in CATALOGUE}


def random_line(rng: random.Random, items: list[Item]) -> services.LineInput:
    """A line packing would accept: who an item is for, then a size that fits them."""
    item = rng.choice(items)
    who = WHO_FOR.get(item.name_en, ADULTS if item.gendered else ANYONE)
    gender = rng.choice(who) if item.gendered else ""
    sizes = item.sizes_for(gender)
    size = rng.choice(sizes) if sizes else ""
    return services.LineInput(
        item_id=item.id, quantity=rng.randint(2, 40), gender=gender, size=size
    )


def seed_crates(
    session: Session, sites: dict[str, Site], items: dict[str, Item], admin: User
) -> None:
    """About 320 crates packed over the past four months: most in stock, some on the road,
    handed out, scrapped or empty; each movement dated on its day of the story."""
    rng = random.Random(2026)
    catalogue = list(items.values())
    site_list = list(sites.values())
    warehouse = sites["Entrepôt Calais"]
    crates = services.create_crates(session, actor=admin, count=320)
    crates[0].code = EXAMPLE_CODE
    first_day = datetime.now(UTC) - timedelta(days=STORY_DAYS)
    for index, crate in enumerate(crates[:300]):
        packed_at = first_day + timedelta(days=index * (STORY_DAYS - 6) / 300, hours=rng.random())
        site = warehouse if index % 3 == 0 else rng.choice(site_list)
        lines = [random_line(rng, catalogue) for _ in range(rng.randint(1, 3))]
        expiry = date.today() + timedelta(days=rng.randint(30, 400)) if index % 7 == 0 else None
        with ledger.dated(session, packed_at):
            services.pack_crate(
                session, actor=admin, crate=crate, site_id=site.id, lines=lines, expiry_date=expiry
            )
        with ledger.dated(session, packed_at + timedelta(days=rng.randint(1, 5))):
            move_on(session, admin, crate, index, warehouse)


def move_on(session: Session, admin: User, crate: Crate, index: int, warehouse: Site) -> None:
    """What became of some crates a few days after packing."""
    if index % 10 == 1 and crate.site_id != warehouse.id:
        services.dispatch_crate(session, actor=admin, crate=crate, destination_site_id=warehouse.id)
    elif index % 10 == 2:
        services.distribute_crate(session, actor=admin, crate=crate)
    elif index % 25 == 3:
        services.scrap_crate(session, actor=admin, crate=crate, reason="Mouillé")
