"""The operations a delivery plan is made of (bot/delivery/plan.py orders them; bot/delivery/runner.py runs them)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Literal

from bot.delivery import content as c
from bot.delivery.content import Place, Posted
from bot.ports import IncidentView, Notification, StepView

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
    # Only where a posted message can be changed: a platform that cannot gets no new message for it (the reporters
    # named anew after a report of the same post, bot/triage/coreported.py).
    in_place: bool = False


@dataclass(frozen=True)
class WithdrawReopen:
    """Every flare-up notice posted with the reopen control (ledger REOPEN_OFFER) drawn without it: reopened, no
    chat keeps offering it (a platform that cannot edit stops carrying the control)."""

    incident_id: int
    content: c.ReopenWithdrawn


@dataclass(frozen=True)
class WithdrawControls:
    """An ended incident's controls in its conversation drawn without them, saying why (bot/delivery/withdrawing.py):
    the kind card, and the cards of the steps still pending (`steps`) with their copies in people's private chats;
    a closed step's card keeps what it shows. Once per end (a ledger mark): a redelivery redraws nothing."""

    incident_id: int
    view: IncidentView
    steps: tuple[StepView, ...] = ()


@dataclass(frozen=True)
class RedrawKindCard:
    """The kind correction card (the intro) drawn again as `content`: with its control once a resolved incident is
    reopened (`reopened`: the end whose withdrawal it undoes, redrawn only if that end withdrew it), or without it
    when a correction restricted an incident whose conversation stays where it is (its kind is PR's to correct)."""

    incident_id: int
    content: c.Content
    reopened: str | None = None


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


Op = (Adopt | Post | UpdateStep | UpdateNotices | ReviseNotices | WithdrawReopen | WithdrawControls | RedrawKindCard
      | UpdateCount | Tell | MovePrivate | Advise | Mark | Upload)


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


__all__ = ["Where", "Origin", "Adopt", "Post", "UpdateStep", "UpdateNotices", "ReviseNotices", "WithdrawReopen",
           "WithdrawControls", "UpdateCount", "Tell", "MovePrivate", "Advise", "Mark", "Upload", "Op", "Plan"]
