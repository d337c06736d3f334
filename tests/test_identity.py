"""Namespaced user ids."""

import pytest

from bot import identity


def test_qualify_and_split_round_trip() -> None:
    assert identity.qualify("slack", "U123") == "slack:U123"
    assert identity.qualify("slack", "slack:U123") == "slack:U123"
    assert identity.split("teams:29:abc") == ("teams", "29:abc")
    assert identity.split("U123") == (None, "U123")


def test_raw_refuses_another_platforms_id() -> None:
    assert identity.raw("slack", "slack:U1") == "U1"
    assert identity.raw("slack", "teams:U1") is None
    assert identity.raw("slack", "U1") is None
    with pytest.raises(ValueError):
        identity.qualify("irc", "x")
