"""At an incident's end: the draft report (.docx) and the timeline (.xlsx) handed over in chat, once each.

Who gets them: an ordinary incident's reporters in their DMs and the PR section's channel; a restricted
incident's reporters, PR members and security officers in their DMs only (never a channel), each checked
against the access matrix. A closing review (原因・再発防止策) recorded later is a new version: the same people
get the report again. Each hand-over is claimed in the ledger, so retries and replays never repeat it.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable

from bot import identity
from bot.delivery import content as c
from bot.delivery import plan as p
from bot.delivery.content import Place
from bot.delivery.ops import Where
from bot.ports import Actor, IncidentView
from bot.records.service import RecordFile, RecordsDesk
from bot.triage import lifecycle
from bot.triage.queries import IncidentQueries

ENDED = frozenset({lifecycle.RESOLVED, lifecycle.CLOSED})
REVIEW_INVITE = "review_invite"
REPORT_FORMAT, TIMELINE_FORMAT = "docx", "xlsx"


def has_ended(view: IncidentView | None) -> bool:
    """Whether the incident is resolved or closed (its records are due)."""
    return view is not None and view.status in ENDED


def attachment(file: RecordFile) -> c.Attachment:
    """A record file as the port's attachment."""
    return c.Attachment(file.filename, file.content, file.title, file.media_type)


def recipients(desk: RecordsDesk, incident_id: int, platform: str) -> tuple[list[str], bool]:
    """(users to get the files in their DMs, whether the PR section's channel gets them) on this platform."""
    view = IncidentQueries(desk.deps).view(incident_id, None)
    access = desk.deps.access
    candidates = list(view.reporters or (view.reporter_id,))
    if view.restricted:
        candidates += sorted(access.pr_members) + sorted(access.security_officers)
    own = [user for user in dict.fromkeys(candidates) if identity.split(user)[0] in (platform, None)]
    return [user for user in own if desk.may_receive(incident_id, user)], not view.restricted


def _purpose(version: int, who: str) -> str:
    # A hash keeps the ref purpose short whatever the platform's user ids look like (Teams ids are long).
    return f"records:{version}:{hashlib.sha256(who.encode('utf-8')).hexdigest()[:16]}"


def _files_for(desk: RecordsDesk, incident_id: int, user: str | None) -> Callable[[], tuple[c.Attachment, ...]]:
    def make() -> tuple[c.Attachment, ...]:
        if user is None:  # the PR section's channel of an ordinary incident: everyone there may see it
            return (attachment(desk.report_file(incident_id, None, REPORT_FORMAT)),
                    attachment(desk.timeline_file(incident_id, None, TIMELINE_FORMAT)))
        return (attachment(desk.report_for_recipient(incident_id, user, REPORT_FORMAT)),
                attachment(desk.timeline_for_recipient(incident_id, user, TIMELINE_FORMAT)))

    return make


def uploads(desk: RecordsDesk, view: IncidentView, platform: str) -> tuple[p.Op, ...]:
    """The hand-over operations for an ended incident (none while it is open)."""
    if not has_ended(view):
        return ()
    version = desk.review_version(view.id)
    users, section = recipients(desk, view.id, platform)
    cat = desk.deps.catalog
    comment = cat.t("records.chat.updated" if version else "records.chat.offer", ref=view.ref)
    ops: list[p.Op] = [p.Upload(view.id, _purpose(version, user), Place(user), _files_for(desk, view.id, user),
                                comment) for user in users]
    if section:
        ops.append(p.Upload(view.id, _purpose(version, p.SECTION), p.SECTION, _files_for(desk, view.id, None),
                            comment))
    return tuple(ops)


def at_end(steps: p.Plan, desk: RecordsDesk, view: IncidentView | None, platform: str, *,
           invite: bool = True, ender: str | None = None) -> p.Plan:
    """`steps` followed, when the incident has just ended, by the invitation to record the closing review (once:
    in the incident's conversation, or for a restricted one in the DM of `ender`, who ended it and may record it)
    and the hand-over of the records."""
    if view is None or not has_ended(view):
        return steps
    ops: tuple[p.Op, ...] = ()
    if invite and desk.review_version(view.id) == 0:
        # A restricted incident's conversation is its reporter's, who may not end it: the one who did is asked.
        where: Where = Place(ender) if view.restricted and ender else p.HOME
        ops += (p.Post(view.id, REVIEW_INVITE, where, c.ReviewInvite(view)),)
    ops += uploads(desk, view, platform)
    return p.Plan(steps.incident_id or view.id, steps.ops + ops, steps.severity if steps.ops else view.severity,
                  steps.lane, steps.coalesce, steps.once)


def after_review(desk: RecordsDesk, incident_id: int, platform: str, lane: str) -> p.Plan:
    """After a closing review was recorded: the updated report to the same people."""
    view = IncidentQueries(desk.deps).view(incident_id, None)
    return p.Plan(view.id, uploads(desk, view, platform), view.severity, lane)


def open_review(desk: RecordsDesk, incident_id: int, actor: Actor) -> IncidentView:
    """Before any platform shows the closing review's form: the incident, or the refusal its submission would give
    (PermissionDenied, recorded), so nobody types first and is refused after."""
    desk.require_review(incident_id, actor)
    return IncidentQueries(desk.deps).view(incident_id, actor.user_id)


def review(desk: RecordsDesk, incident_id: int, actor: Actor, *, cause: str, prevention: str, platform: str
           ) -> tuple[str, p.Plan]:
    """Record the closing review (the core decides who may; InvalidRequest when both are blank): the words for the
    one who recorded it, and the plan sending the updated report to the same people."""
    said = desk.record_review(incident_id, actor, cause=cause, prevention=prevention)
    return said, after_review(desk, incident_id, platform, actor.user_id)
