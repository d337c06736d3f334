"""Every transition of the declared table, legal and illegal."""

from __future__ import annotations

import itertools

import pytest

from bot.triage.lifecycle import STATUSES, TRANSITIONS, IllegalTransition, check_transition

LEGAL = sorted((a, b) for a, targets in TRANSITIONS.items() for b in targets)
ILLEGAL = sorted((a, b) for a, b in itertools.product(STATUSES, STATUSES) if b not in TRANSITIONS[a])


def test_table_covers_every_status() -> None:
    assert set(TRANSITIONS) == set(STATUSES)


@pytest.mark.parametrize(("current", "target"), LEGAL)
def test_legal(current: str, target: str) -> None:
    check_transition(current, target)


@pytest.mark.parametrize(("current", "target"), ILLEGAL)
def test_illegal(current: str, target: str) -> None:
    with pytest.raises(IllegalTransition) as info:
        check_transition(current, target)
    assert info.value.current == current and info.value.target == target


def test_terminal_states_have_no_way_out() -> None:
    for terminal in ("closed", "declined", "merged"):
        assert TRANSITIONS[terminal] == frozenset()


def test_unknown_status_is_an_error() -> None:
    with pytest.raises(IllegalTransition):
        check_transition("archived", "closed")
