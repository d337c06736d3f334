"""Who may do what to an incident: one declared matrix, checked by the core, not the adapters."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Final

Action = str

# Roles per action. "reporter" means one of the incident's reporters; "staff" any other colleague.
_ALL_STAFF: Final = frozenset({"reporter", "staff", "pr", "security"})
_INVOLVED: Final = frozenset({"reporter", "pr", "security"})
MATRIX: Final[dict[Action, tuple[frozenset[str], frozenset[str]]]] = {
    # action: (roles allowed on ordinary incidents, roles allowed on restricted ones)
    "report": (_ALL_STAFF, _ALL_STAFF),
    "view_details": (_ALL_STAFF, _INVOLVED),
    "answer_step": (_ALL_STAFF, _INVOLVED),
    "correct_kind": (_INVOLVED, _INVOLVED),
    "add_note": (_ALL_STAFF, _INVOLVED),
    "acknowledge": (frozenset({"pr"}), frozenset({"pr"})),
    "resolve": (frozenset({"pr", "security", "reporter"}), frozenset({"pr", "security"})),
    "close": (frozenset({"pr"}), frozenset({"pr", "security"})),
    "decline": (frozenset({"pr"}), frozenset({"pr", "security"})),
    "reopen": (frozenset({"pr"}), frozenset({"pr", "security"})),
    "merge": (frozenset({"pr"}), frozenset({"pr"})),
    "export": (frozenset({"pr", "security"}), frozenset({"pr", "security"})),
}


class PermissionDenied(Exception):
    """The actor's roles do not allow this action on this incident."""

    def __init__(self, action: str, user_id: str, incident_id: int | None) -> None:
        super().__init__(f"{user_id} may not {action} incident {incident_id}")
        self.action = action
        self.user_id = user_id
        self.incident_id = incident_id


@dataclass(frozen=True)
class AccessPolicy:
    """Role membership by user id and the allow/deny decision."""

    pr_members: frozenset[str] = frozenset()
    security_officers: frozenset[str] = frozenset()
    outsiders: frozenset[str] = field(default_factory=frozenset)

    def roles_of(self, user_id: str, reporters: Iterable[str] = ()) -> frozenset[str]:
        """The roles a user holds for an incident with these reporters."""
        if user_id in self.outsiders:
            return frozenset({"outsider"})
        roles = {"staff"}
        if user_id in self.pr_members:
            roles.add("pr")
        if user_id in self.security_officers:
            roles.add("security")
        if user_id in set(reporters):
            roles.add("reporter")
        return frozenset(roles)

    def allows(self, action: Action, user_id: str, *, restricted: bool, reporters: Iterable[str] = ()) -> bool:
        """Whether the user may perform the action."""
        ordinary, restricted_roles = MATRIX[action]
        allowed = restricted_roles if restricted else ordinary
        return bool(self.roles_of(user_id, reporters) & allowed)

    def require(self, action: Action, user_id: str, incident_id: int | None, *, restricted: bool,
                reporters: Iterable[str] = ()) -> None:
        """Raise PermissionDenied unless allowed."""
        if not self.allows(action, user_id, restricted=restricted, reporters=reporters):
            raise PermissionDenied(action, user_id, incident_id)

    def with_pr_members(self, extra: Iterable[str]) -> AccessPolicy:
        """A copy with more PR members (e.g. resolved from a Slack user group)."""
        return AccessPolicy(self.pr_members | frozenset(extra), self.security_officers, self.outsiders)

    def with_outsiders(self, extra: Iterable[str]) -> AccessPolicy:
        """A copy with more outsiders (e.g. Slack Connect users and guests recognised by an adapter)."""
        return AccessPolicy(self.pr_members, self.security_officers, self.outsiders | frozenset(extra))
