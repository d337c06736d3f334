"""Neutral inputs and outputs exchanged between the core and chat adapters."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

Role = Literal["reporter", "staff", "pr", "security", "outsider"]


@dataclass(frozen=True)
class Actor:
    """Someone acting on an incident, as identified by an adapter."""

    user_id: str
    display_name: str = ""
    platform: str = "console"


@dataclass(frozen=True)
class ReportInput:
    """A staff report arriving from any adapter."""

    text: str
    reporter: Actor
    source_url: str | None = None
    platform: str | None = None
    department: str | None = None
    kind_hint: str | None = None
    # Unique per delivery (Slack event_id, shortcut trigger, console line number).
    idempotency_key: str | None = None
    # Where the report was made, so adapters can find the conversation again.
    conversation: ConversationRef | None = None
    # The reporter chose a new incident although the same post's incident is resolved (not reopened).
    force_new: bool = False
    # Explicit intent (DM, mention, slash command, shortcut, console): always taken up, never dropped.
    # False for a message posted in a report channel: unsure ones are asked about (AskIfReport), chatter is left alone.
    explicit: bool = False
    # Explicit by act (a report command or action: slash command, message action, /report, 新規): the sender said it
    # is a report, so a question about it offers the kinds only, no 報告ではない (bot/triage/classifier_intake.py).
    by_act: bool = False
    # Files or images posted with the message: a screenshot with little or no text is asked about, not left alone.
    attachments: int = 0
    # Sent in the reporter's private chat with the bot: a message naming no incident and linking no post, while
    # their one open incident is under a day old, is asked about first (bot/triage/followup_choice.py).
    private: bool = False


@dataclass(frozen=True)
class ConversationRef:
    """A place in a chat platform (channel + thread) the core stores but never interprets."""

    platform: str
    channel: str
    thread: str | None = None


@dataclass(frozen=True)
class InputSpec:
    """One input a playbook step asks for."""

    id: str
    label: str
    type: Literal["url", "platform", "text", "textarea", "choice", "screenshot_note"]
    required: bool = False
    choices: tuple[tuple[str, str], ...] = ()  # (value, label)
    help: str = ""
    value: str = ""  # already known (from the report, its URL or an earlier answer): shown to be confirmed


@dataclass(frozen=True)
class DraftView:
    """A rendered document draft ready to copy."""

    id: str
    title: str
    text: str


@dataclass(frozen=True)
class StepView:
    """One playbook step rendered for a viewer."""

    incident_id: int
    step_id: str
    index: int  # 1-based position among the steps that apply
    total: int
    title: str
    instructions: str
    citations: tuple[str, ...]
    donts: tuple[str, ...] = ()
    fallback_note: str = ""
    inputs: tuple[InputSpec, ...] = ()
    drafts: tuple[DraftView, ...] = ()
    status: Literal["pending", "done", "skipped"] = "pending"
    answers: dict[str, str] = field(default_factory=dict)
    actor: str = "reporter"  # who carries the step out, as a profile actor key (reporter, account_manager, ...)
    actor_label: str = ""  # that actor's name in the profile (アカウント管理者)


@dataclass(frozen=True)
class IncidentView:
    """An incident as a given viewer may see it (restricted details already removed)."""

    id: int
    ref: str  # human reference, e.g. "INC-0012"
    kind: str
    kind_label: str
    status: str
    status_label: str
    severity: str
    severity_label: str
    restricted: bool
    details_visible: bool
    reporter_id: str
    reporters: tuple[str, ...]
    text: str | None  # None when the viewer may not see details
    source_url: str | None
    platform: str | None
    department: str | None
    created_at: datetime
    acknowledged_at: datetime | None
    acknowledged_by: str | None
    resolved_at: datetime | None
    profile: str
    conversation: ConversationRef | None = None


@dataclass(frozen=True)
class Notification:
    """A message the core asks an adapter to deliver to a section (PR, a chain level)."""

    incident_id: int
    audience: str  # section key, e.g. "pr_section"
    level: int  # 1 = first notification, 2+ = escalation levels
    section_name: str
    mention: str | None  # platform-specific id to mention (configured), or None
    title: str
    body: str  # already stripped of restricted details
    acknowledgeable: bool = True
    escalation_id: int | None = None  # set for re-sent levels, confirmed after delivery
    # Set for informational notices (not the PR message or an escalation): "co_report", "severity_changed",
    # "rate_limited", "reported_again" (a flare-up), "reopened"; incident_id is 0 when it concerns no incident.
    topic: str | None = None
    audiences: tuple[str, ...] = ()  # every section told (a guideline may name several at once)
    # The body's last line when it says what happens if nobody acknowledges (「確認されるまで…再通知します」): no longer
    # true once acknowledged, so an acknowledged notice is drawn without it (content.NoticeAcknowledged).
    renotice: str = ""


@dataclass(frozen=True)
class KindChoice:
    """One kind offered to the poster, with the classifier's probability for it."""

    kind: str
    label: str
    probability: float


@dataclass(frozen=True)
class AskIfReport:
    """Ask the poster, and only the poster (ephemeral / private), what their message is.

    Nothing is opened or notified until it is answered. Answer with IncidentDesk.answer(report, kind) — the same
    ReportInput and a kind from choices, or kind None for the decline button (「報告ではない」), which a report made
    by act (ReportInput.by_act) does not offer (decline None).
    """

    question: str  # 「インシデントとして報告しますか？」 or, made by act, 「どの種別として報告しますか？」
    choices: tuple[KindChoice, ...]  # likely kinds first
    decline: str | None  # 「報告ではない」


@dataclass(frozen=True)
class ReopenOrNew:
    """Ask whoever reported a resolved incident's post again, privately: reopen it, or report a new incident.

    Answer with bot/delivery/flareup.py answer(): reopen is IncidentDesk.change_status(incident_id, responding)
    (the access matrix decides), new is the same message reported again with ReportInput.force_new."""

    incident_id: int
    question: str  # the core's words: same post, nothing opened yet, choose (with the platform's commands)
    reopen: str  # 「INC-0001 の対応を再開する」
    new: str  # 「新しい案件として報告する」
    may_reopen: bool = True  # False: the reporter may not reopen it (PR decides, and was told), so no reopen button
    neither: str | None = None  # the follow-up-or-new question's third button: 「どちらでもない（記録しない）」


@dataclass(frozen=True)
class Outcome:
    """What an adapter should render after a core call."""

    incident: IncidentView | None
    messages: tuple[str, ...] = ()  # plain texts for the actor, already localised
    step: StepView | None = None  # the next step to show, if any
    completed_step: StepView | None = None  # the step that just changed, to update in place
    # A repeated completion (steps.replay): who finished the step and when, which its card says (not the clicker)
    completed_by: tuple[str, datetime] | None = None
    notifications: tuple[Notification, ...] = ()
    created: bool = False
    merged: bool = False
    # The merged report restricted the incident (it reads as a leak): its notices are redacted, its conversation
    # moved private (bot/delivery/plan.py report); `step` is then the first reporter's, shown there again.
    became_restricted: bool = False
    duplicate: bool = False  # the same delivery seen before: render nothing new
    finished: bool = False  # all steps done
    # The report is about the post of this resolved incident: nothing new was opened; the reporter (and PR, on
    # its timeline) is asked whether to reopen it or report again as a new incident (ReportInput.force_new).
    same_as_resolved: bool = False
    reopen_or_new: ReopenOrNew | None = None  # set with same_as_resolved: the choice, as buttons
    # With merged: news about the incident (bot/triage/followups.py), not a report of its post; no report is counted.
    followup: bool = False
    ask: AskIfReport | None = None  # a private question for the poster (see AskIfReport)
    # Without an incident: asked privately whether the message is news on this incident of the reporter's or a new
    # report (reopen = the 続報 button); answered by bot/delivery/followup_choice.py.
    followup_or_new: ReopenOrNew | None = None
