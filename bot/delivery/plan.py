"""A core Outcome -> an ordered list of operations. The ordering and privacy rules live here, once:

* redact before anything else: when an incident becomes restricted, the section notifications lose the report's
  details before anything new is shown;
* next step before removing controls: a finished step's buttons go only after what follows it is posted, so a
  crash always leaves something to click again (the core answers "duplicate" and the replay finishes);
* where the conversation lives: the report's thread in its channel, a thread the bot opens (commands), or, for a
  restricted incident, the reporter's private conversation; a public thread then gets one neutral line and the
  reporter is told, in private, how to remove their own public message;
* merged reports do not each get a public reply: one count message per incident, updated in place (coalesced by
  pacing), and a note only the merged reporter sees.
"""

from __future__ import annotations

from bot.delivery import content as c
from bot.delivery.content import Place, Posted
from bot.delivery.ledger import (
    ACK_TOLD,
    FINISHED,
    INTRO,
    MERGED_COUNT,
    PR_MESSAGE,
    PRIVACY_ADVICE,
    PRIVATE_LINE,
    PUBLIC_THREAD,
    REPORT_DELIVERY,
    THREAD,
    copy_purpose,
    said_purpose,
    step_purpose,
)
from bot.delivery.ops import (
    Adopt,
    Advise,
    Mark,
    MovePrivate,
    Op,
    Origin,
    Plan,
    Post,
    RedrawKindCard,
    ReviseNotices,
    Tell,
    UpdateCount,
    UpdateNotices,
    UpdateStep,
    Upload,
    WithdrawControls,
    WithdrawReopen,
)
from bot.ports import IncidentView, Notification, Outcome, StepView
from bot.triage.flareup import REOPENED, REOPENED_HERE
from bot.triage.flareup import TOPIC as REPORTED_AGAIN
from bot.triage.lifecycle import CLOSED, DECLINED, RESOLVED
from bot.triage.report_messages import FOLLOWUP, FOLLOWUP_HERE
from bot.triage.restriction import CO_REPORT, HERE, RESTRICTED_HERE, RESTRICTED_NOTICE
from bot.triage.roles import GRANTED, granted_purpose
from bot.triage.status_told import DECLINED_HERE
from bot.triage.url_correction import REVISED

HOME = "home"  # the incident's conversation, looked up in the ledger when the operation runs
FRESH_STEP = "step:fresh"  # a step shown again after a kind correction: the next free generation
ENDED_TOLD = "ended_told"  # the conversation told, once, that the incident was ended from its control
RESTRICTED_TOLD = "restricted_told"  # the conversation told, once, that a merged report restricted the incident
RESTRICTION_ADVISED = "restriction_advised"  # a mark: the colleague whose words restricted it was advised
RESTRICTION_SAID = "restriction_said"  # a mark: the one whose words restricted it was told so (SAID)
SECTION = "section"  # the channel of section notifications (PR, or restricted for restricted incidents)
# Where a report was posted as a message others can read (the reporter's own, or someone else's reported with a
# message action); "done" under REPORTED: the report was no such message (a command, a private chat). A correction
# to a restricted kind advises the reporter about that message (Advise), wherever the conversation lives.
REPORTED = "reported_message"
REPORTED_OTHERS = "reported_message:others"


def _private_place(view: IncidentView, origin: Origin) -> str:
    return origin.private or view.reporter_id


def intro(view: IncidentView, texts: tuple[str, ...], opener: str | None = None) -> c.Intro | c.Texts | c.Anchor:
    """What was received, with the kind control only where its reader may use it: a restricted incident's kind is
    PR's and security's to correct, so its reporter gets the words alone. `opener`: the reporter's name when it
    also opens a conversation without threads (one receipt, not an anchor and then the intro)."""
    if not view.restricted:
        return c.Intro(view, texts, opener)
    return c.Texts(texts) if opener is None else c.Anchor(view, opener, texts)


def report(outcome: Outcome, origin: Origin, *, reporter_name: str = "", home_is_private: bool | None = None) -> Plan:
    """A report's posts: merged (count + private note) or new (home, intro, step 1, section notice). A merge that
    restricted the incident (`reporter_name`: its first reporter's; `home_is_private`: whether its conversation is
    a private chat, as for kind_corrected) first redacts and takes the conversation private."""
    view = outcome.incident
    if view is None:
        return Plan(None)
    if outcome.merged:
        ops: tuple[Op, ...] = _restricted_by_merge(view, outcome, reporter_name, home_is_private)
        ops += (Tell(view.id, origin.place, origin.user, c.Texts(outcome.messages), link=True),)
        if outcome.became_restricted and not outcome.duplicate:  # resume tells them when a crash came first
            ops += (Mark(view.id, RESTRICTION_SAID, origin.place.channel),)
        if view.restricted and origin.how == "message" and origin.public:  # the co-reporter's post is public too
            ops += (Tell(view.id, origin.place, origin.user, c.PrivacyAdvice(view, origin.place, origin.own, True)),)
            if outcome.became_restricted and not outcome.duplicate:  # resume advises whom a crash left untold
                ops += (Mark(view.id, RESTRICTION_ADVISED, origin.place.channel),)
        # A restricted incident's public thread gets nothing but its one neutral line; a flare-up merges nothing;
        # a follow-up is no report of the post: its conversation reads it as news (an ordinary incident's only).
        if not view.restricted and not outcome.same_as_resolved and not outcome.followup:
            ops += (UpdateCount(view.id, view),)
        news = _news(outcome, origin)  # a follow-up's line and PR's 【続報】 once each: a redelivery posts the rest
        ops += tuple(Post(view.id, said_purpose(FOLLOWUP_HERE, news), HOME, c.Texts((note.title,)))
                     for note in outcome.notifications if note.topic == FOLLOWUP_HERE and not view.restricted)
        revised = tuple(note for note in outcome.notifications if note.topic == REVISED)
        if revised:  # PR's notices name the reporters anew, in place (walk s17 #11); a replay redraws them again
            ops += (ReviseNotices(view.id, view, revised, in_place=True),)
        return Plan(view.id, ops + _topic_notices(view, outcome, news), view.severity, origin.user)
    shared = origin.how == "message" and origin.public  # others can read the report where it was posted
    ops = (Adopt(view.id, REPORTED if origin.own else REPORTED_OTHERS, origin.place) if shared
           else Mark(view.id, REPORTED, origin.place.channel),)
    if view.restricted and shared:
        ops += (Adopt(view.id, PUBLIC_THREAD, origin.place),
                Post(view.id, PRIVATE_LINE, origin.place, c.PrivateLine(view)))
    if origin.how == "message" and origin.threads and not view.restricted:
        ops += (Adopt(view.id, THREAD, origin.place),)
    else:
        public_home = origin.public and origin.threads and not view.restricted
        home = Place(origin.place.channel if public_home else _private_place(view, origin))
        # Without threads the intro opens the conversation itself: one receipt, not an anchor and then the intro.
        opening = c.Anchor(view, origin.reporter_name) if origin.threads else intro(
            view, outcome.messages, origin.reporter_name)
        ops += (Post(view.id, THREAD, home, opening, needed=True, opens_home=True),)
    if origin.threads:
        ops += (Post(view.id, INTRO, HOME, intro(view, outcome.messages)),)
    if outcome.step is not None:
        ops += (Post(view.id, _step_purpose(view.kind, outcome.step), HOME, c.Step(view, outcome.step)),)
    if view.restricted and shared:
        ops += (Post(view.id, PRIVACY_ADVICE, HOME, c.PrivacyAdvice(view, origin.place, own=origin.own)),)
    ops += tuple(Post(view.id, PR_MESSAGE, SECTION, c.SectionNotice(note, view)) for note in outcome.notifications
                 if note.level == 1 and note.topic is None)
    ops += _topic_notices(view, outcome)
    if origin.how == "command" and not view.restricted:
        ops += (Tell(view.id, origin.place, origin.user, c.Anchored(view), link=True),)
    ops += (Mark(view.id, REPORT_DELIVERY, origin.place.channel),)
    return Plan(view.id, ops, view.severity, origin.user, once=REPORT_DELIVERY,
                fresh=outcome.created and not outcome.duplicate)


def _redacted(view: IncidentView, reporter_name: str, *, moving: bool) -> tuple[Op, ...]:
    """An incident just restricted: the notices sent so far redacted first, then its conversation moved private
    (advising as it moves) or, where it stays, its reporter advised in it."""
    return (UpdateNotices(view.id, c.NoticeRedacted(view, reporter_name)),
            MovePrivate(view.id, view, view.reporter_id, reporter_name) if moving else Advise(view.id, view))


def _restricted_by_merge(view: IncidentView, outcome: Outcome, reporter_name: str,
                         home_is_private: bool | None) -> tuple[Op, ...]:
    """As a correction to a leak does (kind_corrected): the notices sent so far redacted, then a public
    conversation moved private (advising as it moves) with the first reporter's step shown again there, else the
    reporter advised in it; the conversation told why. A redelivery redoes the idempotent part. Unknown whether the
    home is private (an adapter that cannot tell): not moved, as moving a private chat would blank it, and nothing
    said in it, which may be public."""
    if not outcome.became_restricted:
        return ()
    moving = home_is_private is False
    ops = _redacted(view, reporter_name, moving=moving)
    if outcome.duplicate or home_is_private is None:
        return ops
    return ops + _told_why(view, outcome, moving=moving)


def _told_why(view: IncidentView, outcome: Outcome, *, moving: bool) -> tuple[Op, ...]:
    """The conversation of a just-restricted incident told why (once), and where it moved, the first reporter's
    step shown again there."""
    ops = tuple(Post(view.id, RESTRICTED_TOLD, HOME, c.Texts(tuple(filter(None, (note.title, note.body)))))
                for note in outcome.notifications if note.topic == RESTRICTED_HERE)
    if moving and outcome.step is not None:
        ops += (Post(view.id, FRESH_STEP, HOME, c.Step(view, outcome.step)),)
    return ops


def restriction_resumed(outcome: Outcome, reporter_name: str, *, moving: bool = True,
                        advise: tuple[str, Place] | None = None, said: tuple[str, Place, str] | None = None
                        ) -> tuple[Plan, Plan]:
    """A restriction a crash cut short (resume.resume_restrictions): the redaction, the move (`moving`: its public
    thread was never taken private; else the reporter advised where it is), PR's 【閲覧制限】 notice and the advice to
    the colleague whose words restricted it (`advise`: who, where they are) and what they are told it did (`said`:
    who, where, the words), each once; then, to run only once the
    conversation is private (a failed move must not leave a step card in public), what it is told and, after this
    move, the first reporter's step."""
    view = outcome.incident
    assert view is not None
    first = _redacted(view, reporter_name, moving=moving) + _topic_notices(view, outcome)
    if advise is not None:
        author, place = advise
        first += (Tell(view.id, place, author, c.PrivacyAdvice(view, place, True, True)),
                  Mark(view.id, RESTRICTION_ADVISED, place.channel))
    if said is not None:
        author, place, text = said
        first += (Tell(view.id, place, author, c.Texts((text,))), Mark(view.id, RESTRICTION_SAID, place.channel))
    return (Plan(view.id, first, view.severity, view.reporter_id),
            Plan(view.id, _told_why(view, outcome, moving=moving), view.severity, view.reporter_id))


def restricted_late(outcome: Outcome, place: Place, user: str, *, advise: bool, reporter_name: str,
                    home_is_private: bool | None) -> Plan:
    """An incident restricted after its report by `user`'s words at `place` (a reported message edited to add
    personal data): redacted and moved as a merge that restricted it (_restricted_by_merge); `advise`: that message
    is public and not the first report (whose advice comes with the move), so its author is told to delete it."""
    view = outcome.incident
    if view is None or not outcome.became_restricted:
        return Plan(None)
    ops = _restricted_by_merge(view, outcome, reporter_name, home_is_private)
    if not outcome.duplicate:  # its author was told (SAID) by the adapter as this plan began
        ops += (Mark(view.id, RESTRICTION_SAID, place.channel),)
    if advise and not outcome.duplicate:
        ops += (Tell(view.id, place, user, c.PrivacyAdvice(view, place, True, True)),
                Mark(view.id, RESTRICTION_ADVISED, place.channel))  # resume advises whom a crash left untold
    return Plan(view.id, ops + _topic_notices(view, outcome), view.severity, user)


def notices(outcome: Outcome, by: str, open_steps: tuple[StepView, ...] = ()) -> Plan:
    """Only the core's informational notices: a reopened incident's flare-up notices first lose their reopen
    control, then the section is told (PR: who reopened it), then the incident's own conversation (its reporters
    told it is running again; a restricted one's is private); ended by a command, the notices say so and the
    conversation's controls are withdrawn (`open_steps`: its steps still pending)."""
    view = outcome.incident
    ended = _ended(view, outcome, open_steps)
    if view is None or not (outcome.notifications or ended):
        return Plan(None)
    granted = _granted(view, outcome)
    if outcome.duplicate:  # a grant again after a crash: its grantee told unless the ledger says they were
        return Plan(view.id, granted, view.severity, by) if granted else Plan(None)
    reopened = [note for note in outcome.notifications if note.topic in (REOPENED, REOPENED_HERE)]
    withdraw: tuple[Op, ...] = (WithdrawReopen(view.id, c.ReopenWithdrawn(view, reopened[0])),) if reopened else ()
    if reopened and not view.restricted:  # its kind can be corrected again: the card withdrawn at its end redrawn
        withdraw += (RedrawKindCard(view.id, c.Intro(view, (reopened[0].title,)), reopened=RESOLVED),)
    here = tuple(Post(view.id, None, HOME, c.Texts((note.title, note.body), mention=view.reporters))
                 for note in outcome.notifications if note.topic == REOPENED_HERE)
    return Plan(view.id, withdraw + _topic_notices(view, outcome) + here + granted + ended, view.severity, by)


def _ended(view: IncidentView | None, outcome: Outcome, open_steps: tuple[StepView, ...]) -> tuple[Op, ...]:
    """Ended by a command (終結・対象外): its reporters told once in its conversation (a leak's is private), then
    the section's notices lose their controls and say so, then so do the kind card and the pending steps' cards
    (`open_steps`) in the conversation."""
    if view is None or view.status not in (CLOSED, DECLINED) or not outcome.messages:
        return ()
    said = next((note.title for note in outcome.notifications if note.topic == DECLINED_HERE), outcome.messages[0])
    told = c.Texts((said,), mention=view.reporters)  # 対象外: who declined it, when and why (status_told)
    return (Post(view.id, f"{ENDED_TOLD}:{view.status}", HOME, told),
            UpdateNotices(view.id, c.NoticeEnded(view, outcome.messages[0])),
            WithdrawControls(view.id, view, open_steps))


def _granted(view: IncidentView, outcome: Outcome) -> tuple[Op, ...]:
    """The grantee told once in their private chat with the bot; a link to the conversation only for an ordinary
    incident (the runner leaves it out when that conversation is someone's private chat)."""
    told: list[Op] = []
    for note in (note for note in outcome.notifications if note.topic == GRANTED):
        said = c.Texts((note.title, note.body))
        told.append(Post(view.id, granted_purpose(note.audience), Place(note.audience),
                         said if view.restricted else c.Linked(said, None)))
    return tuple(told)


def _topic_notices(view: IncidentView, outcome: Outcome, news: str = "") -> tuple[Op, ...]:
    """The core's informational notices to the section (a co-report waiting for a role, a severity change); a
    flare-up's carries the reopen control."""
    return tuple(Post(view.id, notice_purpose(note, news), SECTION,
                      c.SectionNotice(note, view, reopen=note.topic == REPORTED_AGAIN))
                 for note in outcome.notifications if note.topic not in (None, REVISED, GRANTED, *HERE))


def notice_purpose(note: Notification, news: str = "") -> str | None:
    """PR's 【閲覧制限】 notice, a follow-up's 【続報】 (`news`: which follow-up) and each co-reporter's 【共同報告】
    are said once each (their own purposes): a redelivery or resume posts what a crash left out, nothing twice."""
    if note.topic == RESTRICTED_NOTICE:
        return RESTRICTED_NOTICE
    if note.topic == FOLLOWUP and news:
        return said_purpose(FOLLOWUP, news)
    return said_purpose(CO_REPORT, note.title, note.body) if note.topic == CO_REPORT else None


def _news(outcome: Outcome, origin: Origin) -> str:
    """What tells a follow-up apart, the same when it is delivered again: where and by whom, and what it said."""
    said = [f"{note.title}|{note.body}" for note in outcome.notifications if note.topic in (FOLLOWUP, FOLLOWUP_HERE)]
    return "|".join((origin.place.channel, origin.place.thread or "", origin.user, *said)) if said else ""


def _step_purpose(kind: str, step: StepView) -> str:
    return step_purpose(kind, step.step_id)


def progress(outcome: Outcome, by: str, when: str, at: Posted | None = None, acked: str | None = None,
             presser: str | None = None, reporter_name: str = "", home_is_private: bool | None = None) -> Plan:
    """After a step changed: the next step, the end announced, then the closed step updated in place; the
    section notices redrawn when the step changed what they say (`acked`: when PR acknowledged, as read). The
    next step (or the end) also reaches `presser`'s private chat when they hold a copy of the step's card. An
    answer that restricted it (personal data): first redacted and moved as a merge that restricted it."""
    view = outcome.incident
    if view is None or (outcome.duplicate and outcome.completed_step is None):
        return Plan(None)
    ops = _restricted_by_merge(view, outcome, reporter_name, home_is_private)
    moved = any(isinstance(op, MovePrivate) for op in ops)  # the step shown again there; the public card neutral
    done = outcome.completed_step
    held = copy_purpose(_step_purpose(view.kind, done), presser) if presser and done is not None else None
    if outcome.step is not None and not moved:
        purpose = _step_purpose(view.kind, outcome.step)
        ops += (Post(view.id, purpose, HOME, c.Step(view, outcome.step), needed=True),)
        if held is not None and presser is not None:
            ops += (Post(view.id, copy_purpose(purpose, presser), Place(presser), c.Step(view, outcome.step),
                         only_if=held),)
    if outcome.messages:
        ops += (Post(view.id, FINISHED if outcome.finished else None, HOME, c.Texts(outcome.messages),
                     needed=True),)
        if held is not None and presser is not None and outcome.finished:
            ops += (Post(view.id, copy_purpose(FINISHED, presser), Place(presser), c.Texts(outcome.messages),
                         only_if=held),)
    if done is not None and not moved:
        ops += (UpdateStep(view.id, view.kind, done.step_id, c.StepClosed(done, by, when), at=at),)
    if outcome.finished and view.status == RESOLVED:  # ended by its last step: the kind card goes too
        ops += (WithdrawControls(view.id, view),)
    revised = tuple(note for note in outcome.notifications if note.topic == REVISED)
    if revised:  # a replay carries them too: a crash may have cut the redraw short (done again, harmless)
        ops += (ReviseNotices(view.id, view, revised, acked if view.acknowledged_at else None),)
    return Plan(view.id, ops + _topic_notices(view, outcome), view.severity, by)


def kind_corrected(before: IncidentView, old_step: StepView | None, outcome: Outcome, reporter_name: str,
                   *, home_is_private: bool, acked: str | None = None) -> Plan:
    """A kind correction: redaction first (became restricted), the conversation moved private if it was public,
    the old pending step marked as no longer used, then the messages and the new playbook's first step; the
    section notices sent so far redrawn with the new kind (`acked`: when PR acknowledged, as read)."""
    view = outcome.incident
    if view is None:
        return Plan(None)
    became_restricted = view.restricted and not before.restricted
    ops: tuple[Op, ...] = ()
    if outcome.duplicate:  # chosen again after a crash: the redaction and move may not have happened (idempotent)
        if view.restricted:
            ops += _redacted(view, reporter_name, moving=not home_is_private)
        return Plan(view.id, ops, view.severity, view.reporter_id)
    moving = became_restricted and not home_is_private
    if became_restricted:
        ops += (UpdateNotices(view.id, c.NoticeRedacted(view, reporter_name)),)
    if moving:
        ops += (MovePrivate(view.id, view, view.reporter_id, reporter_name),)  # advises as it moves
    elif old_step is not None:
        ops += (UpdateStep(view.id, before.kind, old_step.step_id, c.StepSuperseded(old_step),
                           needs_previous=False),)
    ops += (Post(view.id, None, HOME, c.Texts(outcome.messages)),)
    if became_restricted and not moving:  # the conversation was private already (LINE WORKS, a DM report)
        # Its kind is now PR's and security's to correct: the reporter's kind card loses its control, saying why.
        ops += (Advise(view.id, view), RedrawKindCard(view.id, c.ControlsWithdrawn(view)))
    if outcome.step is not None:
        ops += (Post(view.id, FRESH_STEP, HOME, c.Step(view, outcome.step)),)
    revised = tuple(note for note in outcome.notifications if note.topic == REVISED)
    if revised:
        ops += (ReviseNotices(view.id, view, revised, acked if view.acknowledged_at else None),)
    return Plan(view.id, ops + _topic_notices(view, outcome), view.severity, view.reporter_id)


def acknowledged(outcome: Outcome, by: str, when: str, *, end: bool = False, at: Posted | None = None) -> Plan:
    """The reporters told in the conversation (once), then the acknowledge controls replaced (`end`: by the
    control that ends the incident, whose steps are already done; `at`: the card clicked, see UpdateNotices)."""
    view = outcome.incident
    if view is None or not outcome.messages:
        return Plan(None)
    told = c.Texts((" ".join(outcome.messages),), mention=view.reporters)
    ops: tuple[Op, ...] = (Post(view.id, ACK_TOLD, HOME, told, needed=True),
                           UpdateNotices(view.id, c.NoticeAcknowledged(view, by, when, outcome.messages[0], end=end),
                                         needs_previous=True, clicked=at))
    return Plan(view.id, ops, view.severity, by)


def end_offered(view: IncidentView, when: str, text: str) -> Op:
    """The acknowledged section notices redrawn with the control that ends the incident: its steps are done but
    the one who finished them may not end it (a restricted incident's reporter, a reporter before PR's ack)."""
    return UpdateNotices(view.id, c.NoticeAcknowledged(view, view.acknowledged_by or "", when, text, end=True))


def resolved_said(view: IncidentView, when: str, text: str) -> Op:
    """The acknowledged section notices redrawn saying the last step made the incident 対応完了 (`text`)."""
    return UpdateNotices(view.id, c.NoticeAcknowledged(view, view.acknowledged_by or "", when, text))


def ended(view: IncidentView, text: str, by: str, when: str, open_steps: tuple[StepView, ...] = ()) -> Plan:
    """Ended from that control: the conversation told once (`text`), then the control taken off the notices, then
    the conversation's own (the kind card, the cards of `open_steps`)."""
    ops: tuple[Op, ...] = (Post(view.id, ENDED_TOLD, HOME, c.Texts((text,))),
                           UpdateNotices(view.id, c.NoticeAcknowledged(view, view.acknowledged_by or "", when, text)),
                           WithdrawControls(view.id, view, open_steps))
    return Plan(view.id, ops, view.severity, by)


__all__ = ["HOME", "SECTION", "MERGED_COUNT", "Origin", "Adopt", "Post", "UpdateStep", "UpdateNotices",
           "ReviseNotices", "WithdrawReopen", "WithdrawControls", "RedrawKindCard", "UpdateCount", "Tell",
           "MovePrivate", "Advise", "Mark", "Upload", "Op", "Plan", "report", "restricted_late", "restriction_resumed",
           "progress",
           "kind_corrected", "acknowledged", "end_offered", "resolved_said", "ended", "ENDED_TOLD", "REPORTED",
           "REPORTED_OTHERS"]
