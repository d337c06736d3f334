"""The core as one chat platform sees it: the access policy with that platform's configured PR members and
security officers, and the outsiders and unverified users its adapter has recognised so far.

Every adapter needs this (Slack's user groups and Connect users, Teams' guests and other tenants, LINE WORKS'
configured members); the rule "which configured ids are this platform's, and who counts as a member" is kept
here once. One Triage per distinct membership is kept (a new outsider makes a new one; only recent ones stay).
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from dataclasses import replace

from bot import identity
from bot.triage.service import Triage

KEEP = 64  # distinct memberships kept; each new outsider makes one


def configured(platform: str, ids: Iterable[str]) -> frozenset[str]:
    """Configured ids of this platform, namespaced (an id named for another platform is not its member)."""
    return frozenset(identity.qualify(platform, i) for i in ids if identity.split(i)[0] in (None, platform))


class PlatformCore:
    """The base core with one platform's members in its access policy (thread-safe)."""

    def __init__(self, base: Triage, platform: str, pr_members: Iterable[str] = (),
                 security_officers: Iterable[str] = ()) -> None:
        self.base = base
        self.platform = platform
        self.pr_members = configured(platform, pr_members)
        self.security_officers = configured(platform, security_officers)
        self._lock = threading.Lock()
        self._cores: dict[tuple[frozenset[str], ...], Triage] = {}

    def get(self, *, user: str | None = None, aliases: Iterable[str] = (), pr_members: Iterable[str] = (),
            outsiders: Iterable[str] = (), unverified: Iterable[str] = ()) -> Triage:
        """The core for now. `user` (the id the core sees) counts as configured, or as a granted reporter, when one
        of its `aliases` (other ids of the same person, e.g. a Teams user id beside the AAD object id) is;
        `pr_members`, `outsiders` and `unverified` are what the adapter has learnt from the platform (user groups,
        guests, other tenants)."""
        names = configured(self.platform, aliases) | ({user} if user else set())
        pr = self.pr_members | frozenset(pr_members) | (frozenset({user}) if user and names & self.pr_members
                                                        else frozenset())
        security = self.security_officers | (frozenset({user}) if user and names & self.security_officers
                                             else frozenset())
        # A role granted under the person's other id (a Teams @mention names the Teams user id) is theirs too.
        same = frozenset((user, other) for other in names - {user}) if user else frozenset()
        key = (pr, security, frozenset(outsiders), frozenset(unverified), same)
        access = self.base.deps.access
        if (pr <= access.pr_members and security <= access.security_officers and key[2] <= access.outsiders
                and key[3] <= access.unverified and same <= access.aliases):
            return self.base  # nobody beyond app.yaml's: the core as configured
        with self._lock:
            core = self._cores.get(key)
            if core is None:
                if len(self._cores) >= KEEP:
                    self._cores.clear()
                policy = replace(access, pr_members=access.pr_members | pr,
                                 security_officers=access.security_officers | security,
                                 outsiders=access.outsiders | key[2], unverified=access.unverified | key[3],
                                 aliases=access.aliases | same)
                core = self._cores[key] = Triage(replace(self.base.deps, access=policy))
            return core


__all__ = ["PlatformCore", "configured", "KEEP"]
