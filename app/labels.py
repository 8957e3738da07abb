"""Enums whose members carry their translated label, so that a state, a kind or a
reason is named the same way on every page, form and export."""

from collections.abc import Callable
from enum import StrEnum
from typing import TYPE_CHECKING, Any, Self

from flask_babel.speaklater import LazyString
from wtforms.fields.choices import SelectChoice


class LabelledEnum(StrEnum):
    """Members are declared with their label: `EMPTY = "empty", _l("Empty")`; the value
    stays the string, and `member.label` (`crate.state.label` in a template) is the
    label in the reader's language."""

    _value_: str
    _label: LazyString

    if TYPE_CHECKING:
        # Code calls an enum to find a member by its value, `Gender(value)` (ValueError if
        # none has it), which Enum does without the __new__ below: that one makes the
        # class body's members.
        def __new__(cls, value: object) -> Self: ...

    else:

        def __new__(cls, value: str, label: LazyString) -> Self:
            member = str.__new__(cls, value)
            member._value_ = value
            member._label = label
            return member

    @property
    def label(self) -> str:
        return str(self._label)


def choices_of(
    enum_class: type[LabelledEnum], *, blank: Any = None
) -> Callable[[], list[SelectChoice]]:
    """A select's choices: the members with their labels, translated when the form is
    drawn, after a blank choice when one is named."""

    def make() -> list[SelectChoice]:
        options = [SelectChoice(member.value, member.label) for member in enum_class]
        return [SelectChoice("", str(blank)), *options] if blank is not None else options

    return make
