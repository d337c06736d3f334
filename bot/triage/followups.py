"""A report-like message that names one open incident and no post is a follow-up on it, not a new incident.

Staff who see 「INC-0004」 in chat write updates under that name in the report channel (「INC-0004 のなりすまし
アカウント、凍結されました」). Read as a report, such a message opened a second incident and paged PR again; it is
recorded on the incident it names instead, as its own event (`followup`: a 続報, not a second report of the post),
and PR is told of it as news (a leak's words stay off every section and public place).
A message with a post URL is decided by its URL, and `新規` (force_new) still opens a new incident.

Its poster takes no reporter role by it: news about an incident is not a report of its post. The role lets its
holder correct the kind and end the incident, and is @mentioned on its updates; on a leak it opens the details,
which only PR or security grant (access.py). A colleague sending news expects it recorded and PR told, which it is;
one who should work on the incident is granted the role by PR as anyone is (権限付与).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.ports import Actor, ConversationRef, Notification, Outcome, ReportInput
from bot.triage import lifecycle
from bot.triage.actors import actor_names, keep_name
from bot.triage.core import CoreDeps, build_view, record, reporter_ids, section_notice, touch
from bot.triage.notices_sent import FOLLOWED_UP, on_record
from bot.triage.replays import KEY, repeated_report
from bot.triage.report_messages import FOLLOWUP, FOLLOWUP_HERE, MESSAGE, message_data
from bot.triage.restriction import merge_restricted, restricted_by_report
from bot.triage.short_input import named_incidents
from bot.triage.steps import StepRunner
from storage.models import Incident, TimelineEvent

Claim = Callable[[Session, "str | None", "int | None"], dict[str, str]]  # IncidentDesk._claim_key
SHOWN = 1000  # characters of a follow-up shown in a notice; the timeline keeps it whole
_LEADING_REF = re.compile(r"\s*inc\s*[-_ー－]?\s*0*(\d{1,9})(?![0-9])\s*(?:の件|について)?[\s、，,:：。]*",
                          re.IGNORECASE)


def named_open(session: Session, text: str) -> Incident | None:
    """The one open incident a text names, locked for the merge; None when it names none, several, or a shut one."""
    numbers = named_incidents(text)
    if len(numbers) != 1:
        return None
    incident = session.scalars(select(Incident).where(Incident.id == numbers.pop()).with_for_update()).first()
    return incident if incident is not None and lifecycle.is_open(incident.status) else None


def said_to_poster(deps: CoreDeps, ref: str, restricted: bool) -> str:
    """What the poster is told: recorded as a 続報 and PR told (a leak's words shown nowhere public)."""
    return deps.catalog.t("report.followup_restricted_case" if restricted else "report.followup", ref=ref)


def _unnumbered(text: str, incident_id: int) -> str:
    """The words without the leading number naming this incident (「INC-0001、凍結されました」): the line says it."""
    found = _LEADING_REF.match(text)
    rest = text[found.end():] if found and int(found.group(1)) == incident_id else ""
    return rest if rest.strip() else text


def announced(deps: CoreDeps, incident: Incident, ref: str, who: str, text: str) -> tuple[Notification, ...]:
    """PR told of the follow-up (who, and its words unless the incident is restricted) and, for an ordinary
    incident, its conversation too: the line its reporters read where they work on it."""
    cat = deps.catalog
    shown = _unnumbered(text, incident.id)
    shown = shown if len(shown) <= SHOWN else shown[:SHOWN] + "…"
    title = cat.t("followup.title", ref=ref, kind=cat.label("kind", incident.kind), who=who)
    body = cat.t("followup.body_restricted") if incident.restricted else cat.t("followup.body", text=shown)
    notes = [section_notice(deps, incident.id, FOLLOWUP, title, body)]
    if not incident.restricted:
        notes.append(section_notice(deps, incident.id, FOLLOWUP_HERE,
                                    cat.t("followup.here", ref=ref, who=who, text=shown), ""))
    return tuple(note for note in notes if note is not None)


def recorded(deps: CoreDeps, session: Session, incident: Incident, report: ReportInput, text: str, now: datetime,
             claim: Claim, *, tell_pr: bool = True) -> Outcome:
    """The follow-up on the incident's timeline (erased at retention, as notes are; a restricted incident's shows it
    to its readers only) with its delivery key and message, PR told on record, and the poster told so."""
    actor = report.reporter
    keyed = claim(session, report.idempotency_key, incident.id) | message_data(report)
    record(session, deps, incident.id, FOLLOWUP, actor.user_id, text=text, platform=actor.platform,
           recorded_at=now.isoformat(), **keyed)
    keep_name(session, incident.id, actor.user_id, actor.display_name)  # the records name who sent it
    touch(session, incident, now)
    view = build_view(deps, incident, reporter_ids(session, incident.id), actor.user_id)
    notes = announced(deps, incident, view.ref, actor.display_name or actor.user_id, text) if tell_pr else ()
    on_record(session, deps, incident, [note for note in notes if note.topic == FOLLOWUP], FOLLOWED_UP)
    return Outcome(incident=view, merged=True, followup=True, notifications=notes,
                   messages=(said_to_poster(deps, view.ref, incident.restricted),))


def followed_up(deps: CoreDeps, steps: StepRunner, session: Session, incident: Incident, report: ReportInput,
                text: str, now: datetime, claim: Claim) -> Outcome:
    """The follow-up recorded at `now` (`claim`: its delivery key). One that exposes personal data
    (「INC-0001 の件、リプ欄に申請者の住所が載っています」) first restricts the incident as a merged leak report
    does (restriction.py): PR is told by that notice (without the words), and the plan redacts and takes the
    conversation private. Only the text decides: the incident's own kind is not a restricted one, and a
    follow-up's kind is not the incident's."""
    told = restricted_by_report(session, deps, incident, incident.kind, text, report.reporter,
                                report.idempotency_key, via="followup")
    followed = recorded(deps, session, incident, report, text, now, claim, tell_pr=told is None)
    return merge_restricted(deps, steps, session, incident, followed, told, via="followup")


@dataclass(frozen=True)
class Sent:
    """A follow-up recorded from a message: its outcome as first delivered (duplicate) and where it was posted."""

    outcome: Outcome
    user: str
    name: str
    channel: str
    thread: str


def recorded_between(deps: CoreDeps, steps: StepRunner, platform: str, after: datetime, before: datetime,
                     name_of: Callable[[str], str]) -> list[Sent]:
    """Follow-ups posted as messages on `platform` and recorded in (after, before], each with the outcome its
    delivery had (PR's 【続報】 and the conversation's line, as a redelivery replays them), oldest first: resume
    posts what a crash left unposted. One that restricted its incident is left to the restriction's resume."""
    with deps.sessions.begin() as session:
        events = session.execute(select(TimelineEvent.incident_id, TimelineEvent.actor, TimelineEvent.data).where(
            TimelineEvent.type == FOLLOWUP, TimelineEvent.at > after, TimelineEvent.at <= before,
            TimelineEvent.erased.is_(False)).order_by(TimelineEvent.seq)).all()
        posted = [(incident_id, user, str(data[KEY]), where) for incident_id, user, data in events
                  if incident_id is not None and (data or {}).get(KEY)
                  and len(where := str((data or {}).get(MESSAGE) or "").split("|")) == 3 and where[0] == platform]
        kept = {(incident_id, user): actor_names(session, incident_id).get(user, "") for incident_id, user, _, _
                in posted}  # the name it was sent under (the records name who sent it)
    # A name the records lost is asked of the platform, outside the transaction.
    names = {found: name or name_of(found[1]) for found, name in kept.items()}
    found: list[Sent] = []
    with deps.sessions.begin() as session:
        for incident_id, user, key, where in posted:
            name = names[(incident_id, user)]
            report = ReportInput(text="", reporter=Actor(user, name, platform), idempotency_key=key,
                                 conversation=ConversationRef(platform, where[1], where[2]))
            outcome = repeated_report(deps, steps, session, incident_id, report)
            if outcome.followup and not outcome.became_restricted and outcome.notifications:
                found.append(Sent(outcome, user, name, where[1], where[2]))
    return found


__all__ = ["Sent", "announced", "followed_up", "named_incidents", "named_open", "recorded", "recorded_between",
           "said_to_poster"]
