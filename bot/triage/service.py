"""The core's front door: one object adapters hold, grouping the use cases."""

from __future__ import annotations

import threading
from collections.abc import Iterable
from dataclasses import replace

from bot.i18n import Catalog
from bot.triage.access import AccessPolicy
from bot.triage.core import CoreDeps
from bot.triage.escalation_desk import EscalationDesk
from bot.triage.incidents import IncidentDesk
from bot.triage.queries import IncidentQueries
from bot.triage.roles import RoleDesk
from bot.triage.steps import StepRunner


class Triage:
    """Platform-neutral core: adapters translate events into these calls and render the outcomes."""

    def __init__(self, deps: CoreDeps) -> None:
        self.deps = deps
        self.steps = StepRunner(deps)
        self.incidents = IncidentDesk(deps, self.steps)
        self.escalations = EscalationDesk(deps)
        self.queries = IncidentQueries(deps)
        self.roles = RoleDesk(deps)

    @property
    def catalog(self) -> Catalog:
        """The message catalogue in the configured locale."""
        return self.deps.catalog


class Memberships:
    """The core with the members a platform resolves (PR user groups, rosters, outsiders) added to its access
    policy: one Triage per distinct membership, so a change is seen at once and nothing is rebuilt otherwise."""

    def __init__(self, base: Triage, keep: int = 64) -> None:
        self.base = base
        self._keep = keep  # each new outsider makes a new membership; only recent ones are kept
        self._lock = threading.Lock()
        self._cache: dict[tuple[frozenset[str], ...], Triage] = {}

    def triage(self, *, pr: Iterable[str] = (), security: Iterable[str] = (), outsiders: Iterable[str] = (),
               unverified: Iterable[str] = ()) -> Triage:
        """The core whose policy also counts these (namespaced) ids as PR members, officers, outsiders, unverified."""
        key = (frozenset(pr), frozenset(security), frozenset(outsiders), frozenset(unverified))
        if not any(key):
            return self.base
        with self._lock:
            found = self._cache.get(key)
            if found is None:
                if len(self._cache) >= self._keep:
                    self._cache.clear()
                access = self.base.deps.access
                policy = AccessPolicy(access.pr_members | key[0], access.security_officers | key[1],
                                      access.outsiders | key[2], access.unverified | key[3])
                found = self._cache[key] = Triage(replace(self.base.deps, access=policy))
            return found
