"""A reported message edited or deleted after its report: the incident's timeline says so, on every platform."""

# The incident keeps the text it was reported with (the evidence, and the open-incident key for its URL); an edit
# is recorded next to it as a note and its author told that the incident did not change with it, unless the edit
# adds personal data: then the incident is restricted as a merged leak report restricts it. A deletion (the leak's
# reporter doing what she was asked) is recorded without the text.

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

from bot.delivery import plan
from bot.delivery.content import Place
from bot.delivery.earlier_replies import moved_private
from bot.delivery.ledger import PUBLIC_THREAD
from bot.delivery.links import home_is_private
from bot.delivery.runner import Runner
from bot.identity import split
from bot.ports import Actor, Outcome
from bot.triage.privacy_cues import exposes_personal_data
from bot.triage.queries import IncidentQueries
from bot.triage.reply_leak import reply_exposes
from bot.triage.report_messages import message_of
from bot.triage.restriction import edit_noted
from bot.triage.service import Triage


def reported_incident(queries: IncidentQueries, platform: str, channel: str, ts: str) -> int | None:
    """The incident this message reported (its own thread is the incident's conversation, or it joined one), if any."""
    return queries.by_report_message(platform, channel, ts)


def edit_key(platform: str, channel: str, ts: str, edited_at: str) -> str:
    """One key per edit, for its note and for the report a post edited into one makes: delivered again after
    either, the edit does nothing more."""
    return f"{platform}:edited:{channel}:{ts}:{edited_at}"


@dataclass(frozen=True)
class Edited:
    """A reported message's edit, recorded: the words for its author (None: a redelivery of an ordinary edit) and
    the core's outcome (became_restricted: the edit added personal data, see `edit_plan`)."""

    told: str | None
    outcome: Outcome


def record_edit(triage: Triage, platform: str, channel: str, ts: str, actor: Actor, text: str, *,
                edited_at: str, t: Callable[..., str]) -> Edited | None:
    """Record the edited text on the reported incident's timeline (once per edit); an edit that adds personal data
    restricts the incident in the same transaction (bot/triage/restriction.py edit_noted). None: no incident."""
    incident_id = reported_incident(triage.queries, platform, channel, ts)
    if incident_id is None:
        return None
    outcome = edit_noted(triage.deps, triage.steps, incident_id, actor, t("delivery.report_edited_note", text=text),
                         text, edit_key(platform, channel, ts, edited_at), message_of(platform, channel, ts))
    assert outcome.incident is not None
    if outcome.became_restricted:
        return Edited(" ".join(outcome.messages), outcome)
    if outcome.duplicate:
        return Edited(None, outcome)
    told = t("delivery.report_edited_told", ref=outcome.incident.ref)
    if outcome.incident.restricted and reported_in_public(triage.queries, incident_id, platform, channel, ts):
        # Edited where others read it (often to add more personal data): what a public leak report is told.
        told += "\n" + t("delivery.privacy_advice_merged", ref=outcome.incident.ref)
    return Edited(told, outcome)


def reported_in_public(queries: IncidentQueries, incident_id: int, platform: str, channel: str, ts: str) -> bool:
    """Whether this message reported the incident where others can read it (the plan adopted it as public)."""
    return any(queries.get_ref(incident_id, platform, purpose) == (channel, ts)
               for purpose in (PUBLIC_THREAD, plan.REPORTED, plan.REPORTED_OTHERS))


def edit_plan(edited: Edited, place: Place, user: str, *, public: bool, reporter_name: Callable[[str], str],
              home_is_private: Callable[[int], bool | None]) -> plan.Plan | None:
    """What an edit that restricted its incident leads to (plan.restricted_late): PR's notices redacted, a public
    conversation moved private, and the edited message's author advised to delete it where others can read it
    (the first report's author is advised as her conversation moves). None for an ordinary edit."""
    view = edited.outcome.incident
    if view is None or not edited.outcome.became_restricted:
        return None
    first = view.conversation is not None and (view.conversation.channel, view.conversation.thread) == (
        place.channel, place.thread)
    return plan.restricted_late(edited.outcome, place, user, advise=public and not first,
                                reporter_name=reporter_name(view.reporter_id), home_is_private=home_is_private(view.id))


def restricted_edit_plan(edited: Edited, place: Place, user: str, runner: Runner,
                         reporter_name: Callable[[str], str]) -> plan.Plan | None:
    """`edit_plan` on a platform's runner (its port says which conversations are private); None when there is
    nothing to deliver."""
    private = runner.port.is_private
    steps = edit_plan(edited, place, user, public=not private(place.channel), reporter_name=reporter_name,
                      home_is_private=lambda case: home_is_private(runner.ledger, case, private))
    return None if steps is None or steps.incident_id is None else steps


def advises_earlier_repliers(steps: plan.Plan, edited: Edited) -> bool:
    """Whether the edit's delivery took a public thread private (a redelivered edit did that before): the colleagues
    who had replied there are then advised (bot/delivery/earlier_replies.py)."""
    return moved_private(steps) and not edited.outcome.duplicate


def reply_key(platform: str, channel: str, reply_id: str) -> str:
    """One key per reply: delivered again, or to a second instance, the reply restricts nothing twice."""
    return f"{platform}:reply:{channel}:{reply_id}"


def record_reply(triage: Triage, platform: str, channel: str, thread: str, reply_id: str, actor: Actor,
                 text: str) -> Edited | None:
    """A reply in the public thread an open ordinary incident was reported in that exposes personal data (the edit's
    cue): the incident restricted (bot/triage/reply_leak.py), its replier's words (`told`, None on a redelivery).
    None: the reply restricts nothing (no cue, another thread, restricted already: privacy.py advises then)."""
    if not exposes_personal_data(text):  # most replies: no query at all
        return None
    incident_id = triage.queries.by_conversation(platform, channel, thread)
    if incident_id is None:
        return None
    where = triage.queries.view(incident_id, None).conversation
    if where is None or (where.platform, where.channel, where.thread) != (platform, channel, thread):
        return None  # a notice's thread is PR's (or the restricted channel's), not the public report's
    outcome = reply_exposes(triage.deps, triage.steps, incident_id, actor, text, reply_key(platform, channel, reply_id),
                            message_of(platform, channel, reply_id))
    if outcome is None:
        return None
    return Edited(None if outcome.duplicate else " ".join(outcome.messages), outcome)


def reply_plan(edited: Edited, place: Place, user: str, runner: Runner,
               reporter_name: Callable[[str], str]) -> plan.Plan | None:
    """What a reply that restricted its incident leads to: as an edit's (PR's notices redacted, the thread moved
    private); its replier's advice to delete it came with what they were told (record_reply), marked as given."""
    view = edited.outcome.incident
    if view is None or not edited.outcome.became_restricted:
        return None
    private = runner.port.is_private
    # Its replier was told (SAID) with the advice to delete it, in words for one who may hold no role: not
    # PrivacyAdvice, which names the incident a leak (its kind stays as it was).
    steps = plan.restricted_late(edited.outcome, place, user, advise=False,
                                 reporter_name=reporter_name(view.reporter_id),
                                 home_is_private=home_is_private(runner.ledger, view.id, private))
    if steps.incident_id is None:
        return None
    first = user in (view.reporter_id, split(view.reporter_id)[1])  # `user`: as the platform writes it
    if first or edited.outcome.duplicate:
        return steps
    return replace(steps, ops=steps.ops + (plan.Mark(view.id, plan.RESTRICTION_ADVISED, place.channel),))


def record_deletion(triage: Triage, platform: str, channel: str, ts: str, actor: Actor,
                    t: Callable[..., str]) -> bool:
    """Record that the reported message was deleted by its author (once); False when it reported nothing."""
    incident_id = reported_incident(triage.queries, platform, channel, ts)
    if incident_id is None:
        return False
    triage.incidents.add_note(incident_id, actor, t("delivery.report_deleted_note"),
                              key=f"{platform}:deleted:{channel}:{ts}")
    return True


__all__ = ["Edited", "advises_earlier_repliers", "edit_key", "edit_plan", "record_deletion", "record_edit",
           "record_reply", "reply_key", "reply_plan", "reported_in_public", "reported_incident",
           "restricted_edit_plan"]
