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

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Literal

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
    step_purpose,
)
from bot.ports import IncidentView, Notification, Outcome, StepView
from bot.triage.flareup import REOPENED, REOPENED_HERE
from bot.triage.flareup import TOPIC as REPORTED_AGAIN
from bot.triage.lifecycle import CLOSED, DECLINED
from bot.triage.roles import GRANTED, granted_purpose
from bot.triage.url_correction import REVISED

HOME = "home"  # the incident's conversation, looked up in the ledger when the operation runs
FRESH_STEP = "step:fresh"  # a step shown again after a kind correction: the next free generation
ENDED_TOLD = "ended_told"  # the conversation told, once, that the incident was ended from its control
SECTION = "section"  # the channel of section notifications (PR, or restricted for restricted incidents)
# Where a report was posted as a message others can read (the reporter's own, or someone else's reported with a
# message action); "done" under REPORTED: the report was no such message (a command, a private chat). A correction
# to a restricted kind advises the reporter about that message (Advise), wherever the conversation lives.
REPORTED = "reported_message"
REPORTED_OTHERS = "reported_message:others"
Where = Place | Literal["home", "section"]


@dataclass(frozen=True)
class Origin:
    """Where a report was made: a message that can carry a thread (`message`), or a command whose answer goes
    back privately (`command`); `public` when others in that place can read it."""

    how: Literal["message", "command"]
    place: Place
    user: str
    reporter_name: str
    public: bool
    # Where a command's conversation opens when it may not live in `place` (a user id: their DM with the bot).
    private: str = ""
    threads: bool = True  # whether `place` can hold the conversation (LINE WORKS rooms cannot: it opens in private)
    own: bool = True  # the message at `place` is the reporter's own (not someone else's, reported for them)


@dataclass(frozen=True)
class Adopt:
    """Record `place` (a message that exists already) under `purpose`, e.g. the report message as the thread."""

    incident_id: int
    purpose: str
    place: Place


@dataclass(frozen=True)
class Post:
    """Post `content` at `where`; once per purpose when one is given (claimed in the ledger)."""

    incident_id: int
    purpose: str | None
    where: Where
    content: c.Content
    needed: bool = False  # later operations that need what came before skip when this one failed
    opens_home: bool = False  # the post is the conversation's parent: recorded as THREAD
    # Posted only when the ledger holds this purpose: a person's copy of what follows a step, when they hold a copy
    # of that step's card (they asked the incident's status and may act on it: bot/delivery/status.py).
    only_if: str | None = None


@dataclass(frozen=True)
class UpdateStep:
    """Replace a step's message (the one clicked, and the latest posted) once what follows is shown."""

    incident_id: int
    kind: str
    step_id: str
    content: c.Content
    at: Posted | None = None
    needs_previous: bool = True


@dataclass(frozen=True)
class UpdateNotices:
    """Rewrite every section notification of the incident posted so far (redaction, acknowledgement)."""

    incident_id: int
    content: c.Content
    needs_previous: bool = False
    # The card clicked, redrawn too when it is none of them: a copy posted before a crash whose id was never
    # recorded (a platform that cannot find posts posts it again), which would otherwise keep its control.
    clicked: Posted | None = None


@dataclass(frozen=True)
class ReviseNotices:
    """The section notices posted so far drawn again as the core now words them (`notes`, one per chain level;
    the post URL changed), in place, then, when acknowledged (`acked`: when, as people read it), who acknowledged
    it shown again. A platform that cannot edit posts the first one anew, without a second acknowledge control."""

    incident_id: int
    view: IncidentView
    notes: tuple[Notification, ...]
    acked: str | None = None


@dataclass(frozen=True)
class WithdrawReopen:
    """Every flare-up notice posted with the reopen control (ledger REOPEN_OFFER) drawn without it: reopened, no
    chat keeps offering it (a platform that cannot edit stops carrying the control)."""

    incident_id: int
    content: c.ReopenWithdrawn


@dataclass(frozen=True)
class UpdateCount:
    """The merged-reports count message, posted once and then updated in place (coalesced by pacing)."""

    incident_id: int
    view: IncidentView


@dataclass(frozen=True)
class Tell:
    """A note only `user` sees (ephemeral), in `place`; `link` adds a link to the conversation."""

    incident_id: int | None
    place: Place
    user: str
    content: c.Content
    link: bool = False


@dataclass(frozen=True)
class MovePrivate:
    """Take a public conversation private: every message posted in it becomes the neutral line, and the
    conversation reopens in `private` (the reporter's DM)."""

    incident_id: int
    view: IncidentView
    private: str
    reporter_name: str


@dataclass(frozen=True)
class Advise:
    """In the private conversation, once: how to have the reported message removed from the shared place it was
    posted in (recorded under REPORTED at the report), if it was posted in one."""

    incident_id: int
    view: IncidentView


@dataclass(frozen=True)
class Mark:
    """Record that a set of posts is complete (nothing left for resume to finish)."""

    incident_id: int
    purpose: str
    channel: str


@dataclass(frozen=True)
class Upload:
    """Hand record files over at `where` (a user id as channel: their DM) once per purpose; the files are made
    only when the operation runs and its claim is new (bot/delivery/closing.py plans these)."""

    incident_id: int
    purpose: str
    where: Place | Literal["section"]
    files: Callable[[], tuple[c.Attachment, ...]]
    comment: str


Op = (Adopt | Post | UpdateStep | UpdateNotices | ReviseNotices | WithdrawReopen | UpdateCount | Tell | MovePrivate
      | Advise | Mark | Upload)


@dataclass(frozen=True)
class Plan:
    """Ordered operations for one incident (or none), with the severity pacing orders them by."""

    incident_id: int | None
    ops: tuple[Op, ...] = ()
    severity: str = "medium"
    lane: str = ""  # who caused it (the reporter): pacing keeps one busy user from delaying others
    coalesce: str | None = None  # plans with the same key replace each other while queued
    once: str | None = None  # a mark claimed before anything runs: the whole plan runs once (resume, retries)
    # The incident was created by the transaction the plan's claims are made in (Runner.prepare): nothing of it is
    # stored yet, so the ledger has nothing to read first. A hint about that transaction, not part of what is shown.
    fresh: bool = field(default=False, compare=False)


def _private_place(view: IncidentView, origin: Origin) -> str:
    return origin.private or view.reporter_id


def report(outcome: Outcome, origin: Origin) -> Plan:
    """A report's posts: merged (count + private note) or new (home, intro, step 1, section notice)."""
    view = outcome.incident
    if view is None:
        return Plan(None)
    if outcome.merged:
        ops: tuple[Op, ...] = (Tell(view.id, origin.place, origin.user, c.Texts(outcome.messages), link=True),)
        if view.restricted and origin.how == "message" and origin.public:  # the co-reporter's post is public too
            ops += (Tell(view.id, origin.place, origin.user, c.PrivacyAdvice(view, origin.place, origin.own, True)),)
        # A restricted incident's public thread gets nothing but its one neutral line; a flare-up merges nothing.
        if not view.restricted and not outcome.same_as_resolved:
            ops += (UpdateCount(view.id, view),)
        return Plan(view.id, ops + _topic_notices(view, outcome), view.severity, origin.user)
    shared = origin.how == "message" and origin.public  # others can read the report where it was posted
    ops = (Adopt(view.id, REPORTED if origin.own else REPORTED_OTHERS, origin.place) if shared
           else Mark(view.id, REPORTED, origin.place.channel),)
    if view.restricted:
        if shared:
            ops += (Adopt(view.id, PUBLIC_THREAD, origin.place),
                    Post(view.id, PRIVATE_LINE, origin.place, c.PrivateLine(view)))
        private = Place(_private_place(view, origin))
        ops += (Post(view.id, THREAD, private, c.Anchor(view, origin.reporter_name), needed=True, opens_home=True),)
    elif origin.how == "message" and origin.threads:
        ops += (Adopt(view.id, THREAD, origin.place),)
    else:
        home = Place(origin.place.channel if origin.public and origin.threads else _private_place(view, origin))
        ops += (Post(view.id, THREAD, home, c.Anchor(view, origin.reporter_name), needed=True, opens_home=True),)
    ops += (Post(view.id, INTRO, HOME, c.Intro(view, outcome.messages)),)
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


def notices(outcome: Outcome, by: str) -> Plan:
    """Only the core's informational notices: a reopened incident's flare-up notices first lose their reopen
    control, then the section is told (PR: who reopened it), then the incident's own conversation (its reporters
    told it is running again; a restricted one's is private); ended by a command, the notices say so."""
    view = outcome.incident
    ended = _ended(view, outcome)
    if view is None or not (outcome.notifications or ended):
        return Plan(None)
    granted = _granted(view, outcome)
    if outcome.duplicate:  # a grant again after a crash: its grantee told unless the ledger says they were
        return Plan(view.id, granted, view.severity, by) if granted else Plan(None)
    reopened = [note for note in outcome.notifications if note.topic in (REOPENED, REOPENED_HERE)]
    withdraw: tuple[Op, ...] = (WithdrawReopen(view.id, c.ReopenWithdrawn(view, reopened[0])),) if reopened else ()
    here = tuple(Post(view.id, None, HOME, c.Texts((note.title, note.body), mention=view.reporters))
                 for note in outcome.notifications if note.topic == REOPENED_HERE)
    return Plan(view.id, withdraw + _topic_notices(view, outcome) + here + granted + ended, view.severity, by)


def _ended(view: IncidentView | None, outcome: Outcome) -> tuple[Op, ...]:
    """Ended by a command (終結・対象外): its reporters told once in its conversation (a leak's is private), then
    the section's notices lose their controls and say so."""
    if view is None or view.status not in (CLOSED, DECLINED) or not outcome.messages:
        return ()
    told = c.Texts((outcome.messages[0],), mention=view.reporters)
    return (Post(view.id, f"{ENDED_TOLD}:{view.status}", HOME, told),
            UpdateNotices(view.id, c.NoticeEnded(view, outcome.messages[0])))


def _granted(view: IncidentView, outcome: Outcome) -> tuple[Op, ...]:
    """The grantee told once in their private chat with the bot; a link to the conversation only for an ordinary
    incident (the runner leaves it out when that conversation is someone's private chat)."""
    told: list[Op] = []
    for note in (note for note in outcome.notifications if note.topic == GRANTED):
        said = c.Texts((note.title, note.body))
        told.append(Post(view.id, granted_purpose(note.audience), Place(note.audience),
                         said if view.restricted else c.Linked(said, None)))
    return tuple(told)


def _topic_notices(view: IncidentView, outcome: Outcome) -> tuple[Op, ...]:
    """The core's informational notices to the section (a co-report waiting for a role, a severity change); a
    flare-up's carries the reopen control."""
    return tuple(Post(view.id, None, SECTION, c.SectionNotice(note, view, reopen=note.topic == REPORTED_AGAIN))
                 for note in outcome.notifications if note.topic not in (None, REVISED, REOPENED_HERE, GRANTED))


def _step_purpose(kind: str, step: StepView) -> str:
    return step_purpose(kind, step.step_id)


def progress(outcome: Outcome, by: str, when: str, at: Posted | None = None, acked: str | None = None,
             presser: str | None = None) -> Plan:
    """After a step changed: the next step, the end announced, then the closed step updated in place; the
    section notices redrawn when the step changed what they say (`acked`: when PR acknowledged, as read). The
    next step (or the end) also reaches `presser`'s private chat when they hold a copy of the step's card."""
    view = outcome.incident
    if view is None or (outcome.duplicate and outcome.completed_step is None):
        return Plan(None)
    ops: tuple[Op, ...] = ()
    done = outcome.completed_step
    held = copy_purpose(_step_purpose(view.kind, done), presser) if presser and done is not None else None
    if outcome.step is not None:
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
    if outcome.completed_step is not None:
        done = outcome.completed_step
        ops += (UpdateStep(view.id, view.kind, done.step_id, c.StepClosed(done, by, when), at=at),)
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
            ops += (UpdateNotices(view.id, c.NoticeRedacted(view, reporter_name)),)
            ops += (MovePrivate(view.id, view, view.reporter_id, reporter_name) if not home_is_private
                    else Advise(view.id, view),)
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
        ops += (Advise(view.id, view),)
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


def ended(view: IncidentView, text: str, by: str, when: str) -> Plan:
    """Ended from that control: the conversation told once (`text`), then the control taken off the notices."""
    ops: tuple[Op, ...] = (Post(view.id, ENDED_TOLD, HOME, c.Texts((text,))),
                           UpdateNotices(view.id, c.NoticeAcknowledged(view, view.acknowledged_by or "", when, text)))
    return Plan(view.id, ops, view.severity, by)


__all__ = ["HOME", "SECTION", "MERGED_COUNT", "Origin", "Adopt", "Post", "UpdateStep", "UpdateNotices",
           "ReviseNotices", "WithdrawReopen", "UpdateCount", "Tell", "MovePrivate", "Advise", "Mark", "Upload", "Op",
           "Plan", "report", "progress", "kind_corrected", "acknowledged", "end_offered", "ended", "ENDED_TOLD",
           "REPORTED", "REPORTED_OTHERS"]
