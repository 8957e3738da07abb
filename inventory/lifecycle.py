"""A crate's lifecycle: which action may be done to a crate in which state, and the state
the action leaves it in. The crate services ask here before they change a crate (and
this is the one place that says why not, "this crate was already distributed"); the
crate page asks here which buttons to show."""

from dataclasses import dataclass

from flask_babel import gettext as _

from app.errors import Conflict
from inventory.models import Crate, CrateAction, CrateState


@dataclass(frozen=True)
class Transition:
    before: frozenset[CrateState]
    after: CrateState


IN_STOCK = frozenset({CrateState.IN_STOCK})

# A crate loaded on a van stays in stock, at the place the van goes to, until it is
# handed out there or brought back: the van is no state of its own.
TRANSITIONS: dict[CrateAction, Transition] = {
    CrateAction.PACK: Transition(frozenset({CrateState.EMPTY}), CrateState.IN_STOCK),
    CrateAction.EDIT_CONTENTS: Transition(IN_STOCK, CrateState.IN_STOCK),
    CrateAction.CHECK_IN: Transition(
        frozenset({CrateState.IN_STOCK, CrateState.IN_TRANSIT, CrateState.LOST}),
        CrateState.IN_STOCK,
    ),
    CrateAction.PLACE: Transition(IN_STOCK, CrateState.IN_STOCK),
    CrateAction.DISPATCH: Transition(IN_STOCK, CrateState.IN_TRANSIT),
    CrateAction.DISTRIBUTE: Transition(IN_STOCK, CrateState.DISTRIBUTED),
    CrateAction.LOAD: Transition(IN_STOCK, CrateState.IN_STOCK),
    CrateAction.UNLOAD: Transition(IN_STOCK, CrateState.IN_STOCK),
    CrateAction.RETURN: Transition(IN_STOCK, CrateState.IN_STOCK),
    CrateAction.SCRAP: Transition(
        frozenset({CrateState.EMPTY, CrateState.IN_STOCK, CrateState.IN_TRANSIT}),
        CrateState.SCRAPPED,
    ),
    CrateAction.LOSE: Transition(IN_STOCK, CrateState.LOST),
    CrateAction.REUSE: Transition(
        frozenset({CrateState.DISTRIBUTED, CrateState.SCRAPPED}), CrateState.EMPTY
    ),
}


def allowed_actions(state: CrateState) -> frozenset[CrateAction]:
    """Every action the table allows from `state`."""
    return frozenset(action for action, step in TRANSITIONS.items() if state in step.before)


def allows(crate: Crate, action: CrateAction) -> bool:
    return crate.state in TRANSITIONS[action].before


def refusal(crate: Crate) -> Conflict:
    """Why nothing more of that kind can be done to the crate in its state."""
    messages = {
        CrateState.EMPTY: _("Crate %(code)s is empty: pack it first."),
        CrateState.IN_STOCK: _("Crate %(code)s is already packed and in stock."),
        CrateState.IN_TRANSIT: _(
            "Crate %(code)s is on its way to another site: check it in first."
        ),
        CrateState.DISTRIBUTED: _("Crate %(code)s was already distributed."),
        CrateState.SCRAPPED: _("Crate %(code)s was scrapped."),
        CrateState.LOST: _("Crate %(code)s is marked lost: check it in where you found it."),
    }
    return Conflict(messages[crate.state] % {"code": crate.display_code})


def ensure_allowed(crate: Crate, action: CrateAction) -> None:
    if not allows(crate, action):
        raise refusal(crate)


def advance(crate: Crate, action: CrateAction) -> None:
    """Put the crate in the state `action` leaves it in, if its state allows it."""
    ensure_allowed(crate, action)
    crate.state = TRANSITIONS[action].after
