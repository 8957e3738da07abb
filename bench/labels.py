"""Benchmark: 1,000 realistic crate labels as one PDF, on A4 sheets and on a thermal roll.

Run with `python -m bench.labels`. Exits 1 if the A4 PDF takes 5 s or more (the first
call, so font registration is included)."""

import random
import sys
import time

from inventory.codes import ALPHABET, check_character, display_code
from inventory.labels import Label, LabelFormat, render_labels

COUNT = 1000
LIMIT_SECONDS = 5.0
BASE_URL = "https://relais.example/c/"
ITEMS = (
    "Trousers \u00b7 Men \u00b7 {size}",
    "Pantalons \u00b7 Femme \u00b7 {size}",
    "Sweat-shirts \u00b7 Enfant \u00b7 {size}",
    "Chaussettes \u00b7 Homme \u00b7 {size}",
    "Vestes imperm\u00e9ables \u00b7 {size}",
    "Sous-v\u00eatements \u00b7 Femme \u00b7 {size}",
    "Chaussures de randonn\u00e9e \u00b7 {size}",
    "Toothbrush",
    "Dentifrice",
    "Savon",
    "Serviettes hygi\u00e9niques",
    "Couvertures de survie",
    "Sacs de couchage",
    "Lait infantile 1er \u00e2ge",
    "Conserves de pois chiches",
    "Bo\u00eetes de sardines",
    "Riz (sacs de 1 kg)",
    "Gants d'hiver",
)
SIZES = ("XS", "S", "M", "L", "XL", "38", "40", "42", "6 ans", "10 ans")
SITES = ("Entrep\u00f4t Calais", "D\u00e9p\u00f4t Grande-Synthe", "Local Dunkerque", "")


def crate_code(rng: random.Random) -> str:
    payload = "".join(rng.choice(ALPHABET) for _ in range(7))
    return payload + check_character(payload)


def crate_label(rng: random.Random) -> Label:
    code = crate_code(rng)
    lines = tuple(
        f"{rng.choice(ITEMS).format(size=rng.choice(SIZES))} \u00d7 {rng.randint(1, 120)}"
        for _ in range(rng.randint(1, 6))
    )
    expiry = f"202{rng.randint(6, 9)}-{rng.randint(1, 12):02d}-01" if rng.random() < 0.4 else ""
    return Label(
        url=BASE_URL + code,
        code=display_code(code),
        lines=lines,
        site=rng.choice(SITES),
        expiry=expiry,
    )


def timed(labels: list[Label], label_format: LabelFormat) -> float:
    started = time.perf_counter()
    pdf = render_labels(labels, label_format)
    seconds = time.perf_counter() - started
    print(f"{label_format.name:<10} {len(labels)} labels: {seconds:.2f} s, {len(pdf) / 1e6:.2f} MB")
    return seconds


def main() -> int:
    rng = random.Random(20260301)
    labels = [crate_label(rng) for _ in range(COUNT)]
    a4_seconds = timed(labels, LabelFormat.A4_SHEET)
    timed(labels, LabelFormat.THERMAL_62)
    if a4_seconds >= LIMIT_SECONDS:
        print(f"FAIL: A4 took {a4_seconds:.2f} s, limit {LIMIT_SECONDS:.0f} s", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
