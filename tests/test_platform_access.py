"""The core as one chat platform sees it: configured and observed members in the access policy (platform_access.py)."""

from __future__ import annotations

from bot.triage.platform_access import KEEP, PlatformCore, configured
from bot.wiring import Runtime


def test_only_this_platforms_ids_are_configured() -> None:
    ids = ["29:abc", "teams:aad-1", "slack:U1", "lineworks:pr@example.jp"]
    assert configured("teams", ids) == {"teams:29:abc", "teams:aad-1"}
    assert configured("lineworks", ["pr@example.jp", "lineworks:x"]) == {"lineworks:pr@example.jp", "lineworks:x"}


def test_members_aliases_and_observed_users_reach_the_policy(runtime: Runtime) -> None:
    cores = PlatformCore(runtime.triage, "teams", pr_members=["29:pr"], security_officers=["teams:sec-aad"])
    plain = cores.get().deps.access
    assert "teams:29:pr" in plain.pr_members and "teams:sec-aad" in plain.security_officers
    # The core sees the AAD object id; the member was configured by the Teams user id.
    seen = cores.get(user="teams:pr-aad", aliases=["29:pr", "pr-aad"]).deps.access
    assert seen.holds("teams:pr-aad", "pr") and not plain.holds("teams:pr-aad", "pr")
    other = cores.get(user="teams:someone", aliases=["29:someone"]).deps.access
    assert not other.holds("teams:someone", "pr")
    learnt = cores.get(pr_members=["teams:group-member"], outsiders=["teams:guest"], unverified=["teams:new"])
    access = learnt.deps.access
    assert access.holds("teams:group-member", "pr") and "teams:guest" in access.outsiders
    assert "teams:new" in access.unverified and runtime.triage.deps.access.outsiders == frozenset()


def test_one_core_per_membership_and_only_recent_ones_kept(runtime: Runtime) -> None:
    cores = PlatformCore(runtime.triage, "lineworks", pr_members=["pr1"])
    assert cores.get() is cores.get() and cores.get(outsiders=["lineworks:a"]) is not cores.get()
    first = cores.get(outsiders=["lineworks:0"])
    for n in range(1, KEEP + 1):
        cores.get(outsiders=[f"lineworks:{n}"])
    assert cores.get(outsiders=["lineworks:0"]) is not first  # forgotten, made again
    assert cores.get(outsiders=["lineworks:0"]).deps.access.outsiders >= {"lineworks:0"}
