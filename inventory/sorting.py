"""How names and sizes sort, the same on SQLite and PostgreSQL: names without their
accents, character by character; sizes in their range's order (XS before S, 2y before
10y). SQL functions for ORDER BY, compiled for each database."""

import re
import sqlite3
import unicodedata
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Engine, Integer, String, event
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement

from inventory.models import SIZES


def folded(text: str) -> str:
    """Lower case without accents: "Tee-shirt" matches "tée", "Chaussures" matches "chaus"."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(char for char in decomposed if not unicodedata.combining(char))


# French letters with accents and the plain ones they sort with, as folded() has them:
# "Écharpe" among the Es, "Bâche" before "Batterie".
ACCENTED = "àâäçéèêëîïôöùûüÿ"
ACCENTED += ACCENTED.upper()
UNACCENTED = "".join(folded(letter) for letter in ACCENTED)
UNACCENT = str.maketrans(ACCENTED, UNACCENTED)


def sort_name(name: str | None) -> str | None:
    """A name as people look it up: lower case, French accents dropped."""
    return None if name is None else name.translate(UNACCENT).lower()


class SortName(FunctionElement[str]):
    """sort_name() in SQL, for ORDER BY: compared character by character, so SQLite and
    PostgreSQL put names in the same order."""

    type = String()
    inherit_cache = True


@compiles(SortName)
def _sort_name(element: SortName, compiler: SQLCompiler, **kw: Any) -> str:
    """PostgreSQL: translate(), compared byte by byte whatever the database's collation
    (which may ignore spaces and hyphens, where SQLite does not)."""
    name = compiler.process(element.clauses, **kw)
    return f"lower(translate({name}, '{ACCENTED}', '{UNACCENTED}')) COLLATE \"C\""


@compiles(SortName, "sqlite")
def _sort_name_sqlite(element: SortName, compiler: SQLCompiler, **kw: Any) -> str:
    """SQLite has no translate(), and a replace() per letter overflows its parser: there
    sort_name() itself is a function of every connection."""
    return f"relais_sort_name({compiler.process(element.clauses, **kw)})"


@event.listens_for(Engine, "connect")
def _add_sort_name_to_sqlite(dbapi_connection: Any, _record: Any) -> None:
    if isinstance(dbapi_connection, sqlite3.Connection):
        dbapi_connection.create_function("relais_sort_name", 1, sort_name, deterministic=True)


class SizeRank(FunctionElement[int]):
    """SizeRank(size_range, size): a size's place in its item's range (SIZES): XS, S, M, L,
    XL, XXL; 0-3m ... 2y ... 16y; 17 ... 48. Sizes outside the range (none, or typed in by
    hand) come after, all alike. The compiler writes the ranges out, so a query's cache key
    holds two columns, not a hundred constants."""

    type = Integer()
    inherit_cache = True


SIZES_OUTSIDE_THE_RANGE = max(len(sizes) for sizes in SIZES.values())


@compiles(SizeRank)
def _size_rank(element: SizeRank, compiler: SQLCompiler, **kw: Any) -> str:
    """SQLite: a CASE per range, then one per size."""
    size_range, size = (compiler.process(clause, **kw) for clause in element.clauses)
    outside = SIZES_OUTSIDE_THE_RANGE
    ranges = []
    for name, sizes in SIZES.items():
        ranks = " ".join(
            f"WHEN {sql_string(value)} THEN {rank}" for rank, value in enumerate(sizes)
        )
        ranges.append(f"WHEN {sql_string(name)} THEN CASE {size} {ranks} ELSE {outside} END")
    return f"CASE {size_range} {' '.join(ranges)} ELSE {outside} END"


@compiles(SizeRank, "postgresql")
def _size_rank_postgresql(element: SizeRank, compiler: SQLCompiler, **kw: Any) -> str:
    """PostgreSQL: a size's position in its range's array. The stock query is planned anew
    on every request (psycopg forgets its prepared statements at each ROLLBACK), and a
    hundred CASE branches add half as much again to its planning."""
    size_range, size = (compiler.process(clause, **kw) for clause in element.clauses)
    ranges = " ".join(
        f"WHEN {sql_string(name)} THEN array_position({sql_text_array(sizes)}, {size}::text)"
        for name, sizes in SIZES.items()
    )
    return f"coalesce(CASE {size_range} {ranges} END, {SIZES_OUTSIDE_THE_RANGE + 1})"


def sql_string(value: str) -> str:
    """One of our own constants as an SQL string literal."""
    if "'" in value or "\\" in value:
        raise ValueError(f"not a plain constant: {value!r}")
    return f"'{value}'"


def sql_text_array(values: Sequence[str]) -> str:
    """Our own constants as a PostgreSQL text[] literal."""
    if not all(re.fullmatch(r"[\w-]+", value) for value in values):
        raise ValueError(f"not plain constants: {values!r}")
    return f"'{{{','.join(values)}}}'::text[]"
