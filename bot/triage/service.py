"""The core's front door: one object adapters hold, grouping the use cases."""

from __future__ import annotations

from bot.i18n import Catalog
from bot.triage.core import CoreDeps
from bot.triage.escalation_desk import EscalationDesk
from bot.triage.incidents import IncidentDesk
from bot.triage.queries import IncidentQueries
from bot.triage.roles import RoleDesk
from bot.triage.standing import StandingDesk
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
        self.standing = StandingDesk(deps, self.steps)

    @property
    def catalog(self) -> Catalog:
        """The message catalogue in the configured locale."""
        return self.deps.catalog

