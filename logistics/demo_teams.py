"""The distributions demo's cast: its sites, items and teams, each team's spots and
sittings in the week, and the notes runs come back with (played by
logistics/demo_distributions.py)."""

from dataclasses import dataclass
from datetime import time

from app.models import Role
from inventory.models import Category, SiteKind, Unit

SEED = 2027
HISTORY_WEEKS = 8

CALAIS_WAREHOUSE = "Entrepôt Calais"
PARIS_STOREROOM = "Réserve Paris"
VERROTIERES = "Distribution Calais - rue des Verrotières"
HOPITAL = "Distribution Calais - Hôpital"  # made by the inventory demo
MARCK = "Distribution Calais - Marck zone industrielle"
LEADER_PRICE = "Distribution Calais - Parking Leader Price"
CHAPELLE = "Porte de la Chapelle"  # made by the inventory demo

# name, kind, address, postcode, city, latitude, longitude, opening hours
SITES = [
    (VERROTIERES, SiteKind.DISTRIBUTION_POINT, "Rue des Verrotières", "62100", "Calais",
     50.9633, 1.8869, "Tous les jours 12h et 18h30", "", False),
    (MARCK, SiteKind.DISTRIBUTION_POINT, "Zone industrielle des Dunes", "62730", "Marck",
     50.9479, 1.9281, "Tous les jours 12h et 18h30", "", False),
    (LEADER_PRICE, SiteKind.DISTRIBUTION_POINT, "Avenue Antoine de Saint-Exupéry", "62100",
     "Calais", 50.9392, 1.8751, "Tous les jours 12h et 18h30", "", False),
    (PARIS_STOREROOM, SiteKind.WAREHOUSE, "14 rue de la Chapelle", "75018", "Paris",
     48.8937, 2.3597, "Tous les jours 6h30-10h", "", False),
]  # fmt: skip

# The pick lists' items, by English name; made only where the catalogue lacks them.
ITEMS = [
    (Category.FOOD, "Repas chaud", "Warm meal", Unit.PIECE),
    (Category.FOOD, "Eau potable", "Drinking water", Unit.LITRE),
    (Category.FOOD, "Thé", "Tea", Unit.PACK),
    (Category.FOOD, "Sucre", "Sugar", Unit.KG),
    (Category.FOOD, "Pain", "Bread", Unit.PIECE),
    (Category.FOOD, "Café", "Coffee", Unit.KG),
    (Category.HYGIENE, "Kit d'hygiène", "Hygiene kit", Unit.PIECE),
    (Category.BEDDING, "Couverture", "Blanket", Unit.PIECE),
]
PERISHABLE = {"Warm meal", "Bread"}  # what is not handed out does not come back
ALL_GO = {"Blanket"}  # cold nights: every blanket loaded is handed out

Line = tuple[str, int, int | None]  # item, quantity, per that many people (None: in all)


@dataclass(frozen=True)
class Sitting:
    """A distribution of the day: lunch, evening, breakfast."""

    label: str
    starts_at: time
    ends_at: time
    lines: tuple[Line, ...]


@dataclass(frozen=True)
class Spot:
    site: str
    people: int
    team_size: int


@dataclass(frozen=True)
class DemoTeam:
    name: str
    departure: str
    spots: tuple[Spot, ...]
    sittings: tuple[Sitting, ...]
    history_counts: tuple[int, ...]  # distributions run on a past day, drawn from these
    vans: tuple[str, ...]  # in the history: the first run of a time takes the first van
    leads: tuple[Role, ...]  # ... and the first lead
    minors_share: tuple[float, float]
    families: tuple[int, int]
    stock: dict[str, int]  # what the warehouse holds for today's and tomorrow's plans


CALAIS_LINES: tuple[Line, ...] = (
    ("Warm meal", 1, 1),
    ("Drinking water", 1, 1),
    ("Tea", 1, 25),  # a pack of 25 bags
    ("Sugar", 1, 40),
    ("Hygiene kit", 20, None),
)
BREAKFAST_LINES: tuple[Line, ...] = (
    ("Bread", 1, 1),
    ("Coffee", 1, 60),  # a kilo makes about sixty cups
    ("Tea", 1, 25),
    ("Sugar", 1, 40),
    ("Drinking water", 1, 2),
)
TEAMS = (
    DemoTeam(
        name="Calais",
        departure=CALAIS_WAREHOUSE,
        spots=(
            Spot(VERROTIERES, 180, 3),
            Spot(HOPITAL, 120, 4),
            Spot(MARCK, 60, 3),
            Spot(LEADER_PRICE, 90, 3),
        ),
        sittings=(
            Sitting("Déjeuner", time(12, 0), time(13, 30), CALAIS_LINES),
            Sitting("Dîner", time(18, 30), time(20, 0), (*CALAIS_LINES, ("Blanket", 10, None))),
        ),
        history_counts=(2, 2, 3),
        vans=("Calais van", "Clio"),
        leads=(Role.VOLUNTEER, Role.COORDINATOR),
        minors_share=(0.05, 0.2),
        families=(0, 6),
        stock={
            "Warm meal": 2000,
            "Drinking water": 2400,
            "Tea": 60,
            "Sugar": 40,
            "Hygiene kit": 240,
            "Blanket": 25,  # 40 wanted tonight: the last two evening runs are short
        },
    ),
    DemoTeam(
        name="Paris",
        departure=PARIS_STOREROOM,
        spots=(Spot(CHAPELLE, 150, 5),),
        sittings=(Sitting("Petit-déjeuner", time(7, 30), time(9, 30), BREAKFAST_LINES),),
        history_counts=(0, 1, 1, 1, 1, 1, 1),
        vans=("Paris minibus",),
        leads=(Role.ADMIN,),
        minors_share=(0.2, 0.45),
        families=(0, 3),
        stock={"Bread": 400, "Coffee": 8, "Tea": 14, "Sugar": 10, "Drinking water": 200},
    ),
)

# (team, days from today, label, place): (vehicle, lead), what the coordinator has set so far
ASSIGNMENTS: dict[tuple[str, int, str, str], tuple[str | None, Role | None]] = {
    ("Calais", 0, "Déjeuner", VERROTIERES): ("Calais van", Role.VOLUNTEER),
    ("Calais", 0, "Déjeuner", HOPITAL): ("Calais van", Role.COORDINATOR),  # two places at once
    ("Calais", 0, "Déjeuner", MARCK): ("Clio", None),  # in maintenance, and no lead
    ("Calais", 0, "Dîner", VERROTIERES): ("Calais van", Role.VOLUNTEER),
    ("Calais", 0, "Dîner", HOPITAL): (None, Role.COORDINATOR),
    ("Paris", 0, "Petit-déjeuner", CHAPELLE): ("Paris minibus", Role.ADMIN),
    ("Calais", 1, "Déjeuner", VERROTIERES): ("Calais van", Role.VOLUNTEER),
    ("Calais", 1, "Dîner", VERROTIERES): ("Calais van", Role.COORDINATOR),
    ("Paris", 1, "Petit-déjeuner", CHAPELLE): ("Paris minibus", Role.ADMIN),
}
# Today's first lunch is being loaded: part of its pick list is on the van.
LOADING: dict[tuple[str, int, str, str], dict[str, int]] = {
    ("Calais", 0, "Déjeuner", VERROTIERES): {"Warm meal": 180, "Drinking water": 100},
}

NOTES = [
    "Pluie battante : moins de monde que prévu.",
    "Beaucoup de nouveaux arrivants, dont des familles.",
    "Contrôle de police sur le site, distribution écourtée.",
    "Demandes de chaussures et de duvets, à prévoir.",
    "Tout s'est bien passé, ambiance calme.",
]
