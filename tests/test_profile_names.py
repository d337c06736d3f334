"""app.yaml's profile as an IT person writes it (console walk s16 #15): any case, or the municipality's name."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from bot.wiring import Runtime


@pytest.mark.parametrize(("written", "chosen"), [
    ("Asahikawa", "asahikawa"), ("IWAKI", "iwaki"), ("旭川市", "asahikawa"), ("浦臼町", "urausu"),
    ("いわき市", "iwaki"), ("Chikugo City", "chikugo"), (" 筑後市 ", "chikugo")])
def test_a_profile_named_as_people_name_it_is_that_profile(runtime_factory: Callable[..., Runtime], sqlite_url: str,
                                                           written: str, chosen: str) -> None:
    runtime = runtime_factory(sqlite_url, profile=written, escalation={"renotice_limit": 1})
    assert runtime.triage.deps.profile.id == chosen
