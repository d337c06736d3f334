"""Who may do what to an incident: one declared matrix, checked by the core, not the adapters."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from typing import Final

Action = str

# Roles per action. "reporter" means one of the incident's reporters whose role is granted (the first reporter,
# a co-reporter of an ordinary incident, or one a PR member / security officer granted); "staff" any other
# colleague. A co-report of a restricted incident gives no role by itself: roles are granted, never taken.
_ALL_STAFF: Final = frozenset({"reporter", "staff", "pr", "security"})
_INVOLVED: Final = frozenset({"reporter", "pr", "security"})
_PR_SECURITY: Final = frozenset({"pr", "security"})
MATRIX: Final[dict[Action, tuple[frozenset[str], frozenset[str]]]] = {
    # action: (roles allowed on ordinary incidents, roles allowed on restricted ones)
    "report": (_ALL_STAFF, _ALL_STAFF),
    "view_details": (_ALL_STAFF, _INVOLVED),
    "answer_step": (_ALL_STAFF, _INVOLVED),
    "correct_kind": (_INVOLVED, _PR_SECURITY),
    "add_note": (_ALL_STAFF, _INVOLVED),
    "acknowledge": (frozenset({"pr"}), frozenset({"pr"})),
    "resolve": (frozenset({"pr", "security", "reporter"}), _PR_SECURITY),
    # Ending an incident the PR section has not acknowledged yet: never by its reporter alone.
    "resolve_unacknowledged": (_PR_SECURITY, _PR_SECURITY),
    "close": (frozenset({"pr"}), frozenset({"pr", "security"})),
    # The closing review (原因・再発防止策): whoever may end the incident (resolve or close), checked when the form
    # opens as well as when it is submitted, so nobody types into a form that will refuse them.
    "review": (frozenset({"pr", "security", "reporter"}), _PR_SECURITY),
    "decline": (frozenset({"pr"}), frozenset({"pr", "security"})),
    "reopen": (frozenset({"pr"}), frozenset({"pr", "security"})),
    "merge": (frozenset({"pr"}), frozenset({"pr"})),
    "export": (_PR_SECURITY, _PR_SECURITY),
    "grant": (_PR_SECURITY, _PR_SECURITY),
}


class PermissionDenied(Exception):
    """The actor's roles do not allow this action on this incident."""

    def __init__(self, action: str, user_id: str, incident_id: int | None, *, restricted: bool = False) -> None:
        super().__init__(f"{user_id} may not {action} incident {incident_id}")
        self.action = action
        self.user_id = user_id
        self.incident_id = incident_id
        self.restricted = restricted  # the matrix's column that refused it (who may is said from it)
        self.name = ""  # the refused actor's display name, when the caller knows it (actors.require_as)


@dataclass(frozen=True)
class AccessPolicy:
    """Role membership by user id and the allow/deny decision."""

    pr_members: frozenset[str] = frozenset()
    security_officers: frozenset[str] = frozenset()
    outsiders: frozenset[str] = field(default_factory=frozenset)
    # Users an adapter could not look up (users.info failed): colleagues for ordinary incidents, nobody for
    # restricted ones unless app.yaml names them PR or security (fail closed).
    unverified: frozenset[str] = field(default_factory=frozenset)
    # (user, other id of the same person) pairs an adapter vouches for: Teams knows a sender by the AAD object id
    # but names a picked @mention by the Teams user id, so a role granted under either is theirs.
    aliases: frozenset[tuple[str, str]] = field(default_factory=frozenset)

    def roles_of(self, user_id: str, reporters: Iterable[str] = (), *, restricted: bool = False) -> frozenset[str]:
        """The roles a user holds for an incident with these (granted) reporters."""
        if user_id in self.outsiders:
            return frozenset({"outsider"})
        if restricted and user_id in self.unverified and user_id not in self.pr_members | self.security_officers:
            return frozenset({"unverified"})
        roles = {"staff"}
        if user_id in self.pr_members:
            roles.add("pr")
        if user_id in self.security_officers:
            roles.add("security")
        if ({user_id} | {other for user, other in self.aliases if user == user_id}) & set(reporters):
            roles.add("reporter")
        return frozenset(roles)

    def allows(self, action: Action, user_id: str, *, restricted: bool, reporters: Iterable[str] = ()) -> bool:
        """Whether the user may perform the action."""
        ordinary, restricted_roles = MATRIX[action]
        allowed = restricted_roles if restricted else ordinary
        if action == "report" and user_id in self.unverified and user_id not in self.outsiders:
            return True  # a report is never lost to a directory outage; it gives no role on a restricted incident
        return bool(self.roles_of(user_id, reporters, restricted=restricted) & allowed)

    def require(self, action: Action, user_id: str, incident_id: int | None, *, restricted: bool,
                reporters: Iterable[str] = ()) -> None:
        """Raise PermissionDenied unless allowed."""
        if not self.allows(action, user_id, restricted=restricted, reporters=reporters):
            raise PermissionDenied(action, user_id, incident_id, restricted=restricted)

    def with_pr_members(self, extra: Iterable[str]) -> AccessPolicy:
        """A copy with more PR members (e.g. resolved from a Slack user group)."""
        return replace(self, pr_members=self.pr_members | frozenset(extra))

    def with_outsiders(self, extra: Iterable[str]) -> AccessPolicy:
        """A copy with more outsiders (e.g. Slack Connect users and guests recognised by an adapter)."""
        return replace(self, outsiders=self.outsiders | frozenset(extra))

    def with_unverified(self, extra: Iterable[str]) -> AccessPolicy:
        """A copy with users the adapter could not look up (fail closed for restricted incidents)."""
        return replace(self, unverified=self.unverified | frozenset(extra))

    def holds(self, user_id: str, *roles: str) -> bool:
        """Whether the user holds one of these configured roles (pr, security), whatever the incident."""
        if user_id in self.outsiders:
            return False
        return ("pr" in roles and user_id in self.pr_members) or (
            "security" in roles and user_id in self.security_officers)
