"""Incident lifecycle as a declared transition table."""

from __future__ import annotations

from typing import Final

REPORTED: Final = "reported"
ACKNOWLEDGED: Final = "acknowledged"
RESPONDING: Final = "responding"
RESOLVED: Final = "resolved"
CLOSED: Final = "closed"
DECLINED: Final = "declined"
MERGED: Final = "merged"

STATUSES: Final = (REPORTED, ACKNOWLEDGED, RESPONDING, RESOLVED, CLOSED, DECLINED, MERGED)
OPEN_STATUSES: Final = frozenset({REPORTED, ACKNOWLEDGED, RESPONDING})
# Ended without a response to acknowledge: a late 「確認」 is refused (a resolved one may still be acknowledged).
ENDED_UNHEARD: Final = frozenset({CLOSED, DECLINED, MERGED})

# A responder may start on the playbook before the PR section acknowledges (the guidelines ask for a
# calm holding reply at once), so reported -> responding is legal; acknowledgement is then recorded
# as a fact on the incident without moving the status back. A step answered does not make a prank an incident:
# PR (security on a leak, bot/triage/access.py) may still decline it in progress, with a reason (Teams walk s21 #9).
TRANSITIONS: Final[dict[str, frozenset[str]]] = {
    REPORTED: frozenset({ACKNOWLEDGED, RESPONDING, RESOLVED, DECLINED, MERGED}),
    ACKNOWLEDGED: frozenset({RESPONDING, RESOLVED, DECLINED, MERGED}),
    RESPONDING: frozenset({RESOLVED, DECLINED, MERGED}),
    RESOLVED: frozenset({CLOSED, RESPONDING}),
    CLOSED: frozenset(),
    DECLINED: frozenset(),
    MERGED: frozenset(),
}


class IllegalTransition(Exception):
    """A status change the lifecycle does not allow."""

    def __init__(self, current: str, target: str) -> None:
        super().__init__(f"illegal transition {current} -> {target}")
        self.current = current
        self.target = target

    @property
    def same_status(self) -> bool:
        """Whether the incident is already in the status asked for (「すでに対応完了です」, not 「から…には」)."""
        return self.current == self.target


def check_transition(current: str, target: str) -> None:
    """Raise IllegalTransition unless current -> target is in the table."""
    if current not in TRANSITIONS:
        raise IllegalTransition(current, target)
    if target not in TRANSITIONS[current]:
        raise IllegalTransition(current, target)


def is_open(status: str) -> bool:
    """Whether an incident in this status still needs work."""
    return status in OPEN_STATUSES
