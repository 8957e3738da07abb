"""Weeks and months in SQL, the same on SQLite and PostgreSQL: for grouping reports by
the Monday of a day's ISO week, or by the first of its month."""

from datetime import date
from typing import Any

from sqlalchemy import Date
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement


class WeekStart(FunctionElement[date]):
    """WeekStart(day): the Monday of the day's ISO week."""

    type = Date()
    inherit_cache = True


@compiles(WeekStart)
def _week_start_sqlite(element: WeekStart, compiler: SQLCompiler, **kw: Any) -> str:
    # Six days back, then forward to the next Monday: the Monday on or before the day.
    return f"date({compiler.process(element.clauses, **kw)}, '-6 days', 'weekday 1')"


@compiles(WeekStart, "postgresql")
def _week_start_postgresql(element: WeekStart, compiler: SQLCompiler, **kw: Any) -> str:
    return f"CAST(date_trunc('week', {compiler.process(element.clauses, **kw)}) AS DATE)"


class MonthStart(FunctionElement[date]):
    """MonthStart(day): the first day of the day's month."""

    type = Date()
    inherit_cache = True


@compiles(MonthStart)
def _month_start_sqlite(element: MonthStart, compiler: SQLCompiler, **kw: Any) -> str:
    return f"date({compiler.process(element.clauses, **kw)}, 'start of month')"


@compiles(MonthStart, "postgresql")
def _month_start_postgresql(element: MonthStart, compiler: SQLCompiler, **kw: Any) -> str:
    return f"CAST(date_trunc('month', {compiler.process(element.clauses, **kw)}) AS DATE)"
