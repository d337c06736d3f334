"""What a chat port is asked to show, platform-free: places, posted messages and neutral contents."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol, TypeGuard

from bot.ports import IncidentView, Notification, StepView
from bot.triage.lifecycle import CLOSED, RESOLVED


@dataclass(frozen=True)
class Place:
    """A conversation: a channel (or a user id, meaning the bot's DM with them) and a thread in it."""

    channel: str
    thread: str | None = None


@dataclass(frozen=True)
class Posted:
    """A message the bot posted: where it is and the platform's id for it."""

    channel: str
    id: str


@dataclass(frozen=True)
class Marker:
    """What a post is for, carried with it (message metadata) so a takeover can find it again."""

    incident_id: int
    purpose: str


@dataclass(frozen=True)
class Texts:
    """Localised plain texts from the core, one after another (`mention` users first when given)."""

    texts: tuple[str, ...]
    mention: tuple[str, ...] = ()


@dataclass(frozen=True)
class Anchor:
    """The parent message of an incident's conversation opened by the bot (slash command, shortcut, DM)."""

    view: IncidentView
    reporter_name: str
    texts: tuple[str, ...] = ()  # what was received, when it is the intro too (no threads; plan.intro)


@dataclass(frozen=True)
class Anchored:
    """Told to a reporter who used a command: their report was received and where its conversation is."""

    view: IncidentView


@dataclass(frozen=True)
class Linked:
    """Any content followed by a link to the incident's conversation (`url` None when there is none)."""

    content: Content
    url: str | None
    private: bool = False  # the conversation is the reporter's private chat with the bot: no link others can open


@dataclass(frozen=True)
class Intro:
    """What was received, with the kind correction control (plan.intro decides who gets one)."""

    view: IncidentView
    texts: tuple[str, ...]
    opener: str | None = None  # the reporter's name: it also opens a conversation without threads (one receipt)


@dataclass(frozen=True)
class Step:
    """A playbook step with its controls."""

    view: IncidentView
    step: StepView


@dataclass(frozen=True)
class StepClosed:
    """A finished or skipped step, its controls replaced by who closed it and when."""

    step: StepView
    by: str
    when: str


@dataclass(frozen=True)
class StepSuperseded:
    """A pending step of a playbook the incident has left (kind corrected)."""

    step: StepView


@dataclass(frozen=True)
class ControlsWithdrawn:
    """A control left in an ended incident's conversation drawn without it, saying why: the card of a step still
    pending (`step`), or the kind correction card (`step` None)."""

    view: IncidentView
    step: StepView | None = None


@dataclass(frozen=True)
class SectionNotice:
    """A notification to a section (the PR message, an escalation level), linking the conversation."""

    note: Notification
    view: IncidentView
    link: str | None = None  # to the incident's conversation; filled in by the runner
    private: bool = False  # the conversation is the reporter's private chat with the bot (no link: PR cannot open it)
    # Offer the flare-up's reopen control (bot/delivery/flareup.py REOPEN) for the incident: a resolved incident's
    # post reported again. The core decides who may reopen when it is used; a platform without it says the command.
    reopen: bool = False


@dataclass(frozen=True)
class NoticeRedacted:
    """A section notification rewritten without the report's details (the incident became restricted by a kind
    correction). It shows the acknowledge control until acknowledged, and never the end control: the corrected
    kind's steps start over, so nothing awaits ending until they are done (plan.end_offered offers it again)."""

    view: IncidentView
    reporter_name: str
    title: str | None = None  # a re-notice's own title (【上位への通知】…), given by the runner; None: the first's


@dataclass(frozen=True)
class NoticeAcknowledged:
    """A section notification whose acknowledge control is replaced by who acknowledged and when; its re-notice
    line (Notification.renotice) is no longer shown: nobody is told again."""

    view: IncidentView
    by: str
    when: str
    text: str  # the message's notification text after the change
    end: bool = False  # offer the control that ends the incident: its steps are done, the finisher could not end it
    title: str | None = None  # a re-notice's own title, as NoticeRedacted's

    @property
    def note(self) -> str:
        """The words shown under who acknowledged it: the end control's offer, or that the incident ended."""
        return self.text if self.end or self.view.status in (RESOLVED, CLOSED) else ""


@dataclass(frozen=True)
class NoticeEnded:
    """A section notification once a command ended its incident (終結・対象外): no control left, the end said
    (`text`, the core's words), and who acknowledged it if anyone did."""

    view: IncidentView
    text: str
    title: str | None = None  # a re-notice's own title, as NoticeRedacted's


@dataclass(frozen=True)
class ReopenWithdrawn:
    """A flare-up notice (SectionNotice.reopen) after the incident was reopened: its reopen control gone, the
    reopen said in its place (`note`: the core's 【再開】 notice, for who and when)."""

    view: IncidentView
    note: Notification


@dataclass(frozen=True)
class MergedCount:
    """One message per incident, updated in place: 「N 件の報告をまとめました」."""

    view: IncidentView
    count: int


@dataclass(frozen=True)
class PrivateLine:
    """The one neutral line a public thread gets for a restricted incident: 「詳細は個別に案内します」."""

    view: IncidentView


@dataclass(frozen=True)
class PrivacyAdvice:
    """In the private conversation: how to have the reported message removed from the shared place it was posted
    in if it contains personal data: the reporter's own (`own`: remove it) or someone else's (ask them to)."""

    view: IncidentView
    public: Place | None
    own: bool = True
    merged: bool = False  # told to a co-reporter, who holds no role on the incident yet (nothing follows here)


@dataclass(frozen=True)
class ReviewInvite:
    """At the end of an incident: who may end it is invited to record the cause and prevention (optional)."""

    view: IncidentView


@dataclass(frozen=True)
class Attachment:
    """A file to hand over in chat (the draft report, the timeline workbook)."""

    filename: str
    data: bytes
    title: str
    media_type: str


Content = (Texts | Anchor | Anchored | Linked | Intro | Step | StepClosed | StepSuperseded | ControlsWithdrawn
           | SectionNotice
           | NoticeRedacted | NoticeAcknowledged | NoticeEnded | ReopenWithdrawn | MergedCount | PrivateLine
           | PrivacyAdvice | ReviewInvite)


NoticeChange = NoticeAcknowledged | NoticeRedacted | NoticeEnded | ReopenWithdrawn


def changes_notice(content: Content) -> TypeGuard[NoticeChange]:
    """Whether an update changes a posted section notice in place (what it showed stays, its controls change, and
    it links the incident's conversation) rather than drawing the message anew."""
    return isinstance(content, (NoticeAcknowledged, NoticeRedacted, NoticeEnded, ReopenWithdrawn))


class DeliveryError(Exception):
    """A platform call failed; `code` is the platform's error code (shown and recorded)."""

    def __init__(self, code: str, *, retry_after: float | None = None) -> None:
        super().__init__(code)
        self.code = code
        self.retry_after = retry_after

    @property
    def rate_limited(self) -> bool:
        """The platform asked to wait (HTTP 429): waited for, never given up on."""
        return self.retry_after is not None


class ChatPort(Protocol):
    """What each chat adapter implements; it renders contents and raises DeliveryError on failures."""

    platform: str
    # Whether find_posted can find a crashed holder's post (message metadata to search by). A port that cannot has
    # each post recorded at once, so a crash repeats at most the one post it interrupted (bot/delivery/ledger.py).
    finds_posted: bool
    # The platform's error codes that mean a channel refused the bot outright (code -> "not_member", "not_found" or
    # "archived"): retrying cannot help, so bot/delivery/unreached.py tells who can act.
    unreached: Mapping[str, str]

    def post(self, place: Place, content: Content, marker: Marker | None = None) -> Posted:
        """Post a message (into `place.thread` when set); a user id as channel means their DM with the bot."""

    def update(self, posted: Posted, content: Content) -> None:
        """Replace a posted message's content."""

    def post_ephemeral(self, place: Place, user: str, content: Content) -> None:
        """A message only `user` sees in `place` (or their DM where the platform has no ephemeral messages)."""

    def find_posted(self, place: Place, marker: Marker) -> Posted | None:
        """A message posted earlier with this marker (a crashed holder's post), or None."""

    def permalink(self, posted: Posted) -> str | None:
        """A link to a posted message, or None when the platform cannot give one."""

    def is_private(self, channel: str) -> bool:
        """Whether a channel is someone's private chat with the bot (a link to it opens for them alone)."""

    def upload(self, place: Place, files: Sequence[Attachment], comment: str) -> Posted:
        """Hand files over with one comment (a user id as channel: their DM); the Posted names the first file."""
