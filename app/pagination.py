"""Pages of a list, cut in SQL: a list page never loads a whole table."""

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any, Generic, TypeVar, TypeVarTuple

from sqlalchemy import Select, func, select

from app.extensions import Session

T = TypeVar("T")
Ts = TypeVarTuple("Ts")


@dataclass(frozen=True)
class Page(Generic[T]):
    rows: Sequence[T]
    page: int
    per_page: int
    total: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))

    @property
    def has_next(self) -> bool:
        return self.page < self.pages

    @property
    def has_previous(self) -> bool:
        return self.page > 1


def paginate(session: Session, query: Select[*Ts], page: int, per_page: int) -> Page[Any]:
    page = max(1, page)
    total = session.scalar(select(func.count()).select_from(query.order_by(None).subquery())) or 0
    rows = session.execute(query.limit(per_page).offset((page - 1) * per_page)).all()
    return Page(rows=rows, page=page, per_page=per_page, total=total)


def scalars_page(session: Session, query: Select[T], page: int, per_page: int) -> Page[T]:
    """A page of one kind of row (paginate gives rows as tuples)."""
    cut = paginate(session, query, page, per_page)
    return replace(cut, rows=[row[0] for row in cut.rows])
