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


@pytest.mark.parametrize(("stored", "platform", "expected"), [
    ("slack:U0123ABCD", "teams", "slack:U0123ABCD"),  # already namespaced: kept
    ("U0123ABCD", "teams", "slack:U0123ABCD"),  # Slack-shaped: Slack's, whatever the row says
    ("W0123ABCD", None, "slack:W0123ABCD"),
    ("console-pr", "slack", "console:console-pr"),
    ("29:abc", "teams", "teams:29:abc"),
    ("aad-pr-0001", "teams", "teams:aad-pr-0001"),
    ("U_PR", "slack", "slack:U_PR"),  # not Slack-shaped: the incident's chat platform decides
    ("user@example.jp", "lineworks", "lineworks:user@example.jp"),
    ("29:abc", None, "teams:29:abc"),  # no platform on the row: a Teams-shaped id is Teams'
    ("0f8fad5b-d9cb-469f-a165-70867728950e", None, "teams:0f8fad5b-d9cb-469f-a165-70867728950e"),
    ("someone", None, "someone"),  # cannot tell: kept, and then matches no namespaced id
])
def test_the_upgrade_rule(stored: str, platform: str | None, expected: str) -> None:
    assert identity.namespaced(stored, platform) == expected
    assert identity.namespaced(expected, platform) == expected  # applying it twice changes nothing


def test_a_platform_list_is_namespaced_with_that_platform() -> None:
    assert identity.qualify_all("slack", ["U1", "slack:U2"]) == {"slack:U1", "slack:U2"}
