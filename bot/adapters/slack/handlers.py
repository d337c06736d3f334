"""Translation between Slack payloads and the core: payload -> neutral input -> core call -> delivery plan.

Crash safety (docs/operations.md): the core's part of every interaction runs before Slack gets its HTTP 200
(app.py: process_before_response); what users see is planned by bot/delivery/plan.py and run after it by the
pacer (per-channel turns, fair, by severity). A 200 means "stored": a crash before it makes Slack redeliver the
event or the user click again, and the core's keys turn that into a replay that finishes the plan without
repeating a post (the ledger claims each once). A report nobody will resend is finished by resume.py.

No business rule lives here: who may do what, merging, transitions and validation are the core's; ordering and
where a conversation lives are the plan's; this module translates and renders.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any, Literal

from slack_sdk.errors import SlackApiError

from bot.adapters.slack.asking import Asking
from bot.adapters.slack.logs import log_event
from bot.adapters.slack.port import PLATFORM, error_code
from bot.adapters.slack.render import INPUT_ACTION, INPUT_BLOCK_PREFIX, StepRef, decode_metadata, submitted_values
from bot.adapters.slack.replies import Reply
from bot.adapters.slack.text import slack_to_plain, strip_mentions_of, ts_to_datetime
from bot.clock import format_jst
from bot.delivery import closing, plan
from bot.delivery.content import Place, Posted
from bot.delivery.pacing import Job
from bot.identity import qualify
from bot.ports import Actor, ConversationRef, Outcome, ReportInput
from bot.presenting import field_errors as split_errors
from bot.presenting import is_help
from bot.records.service import RecordsDesk
from bot.triage.core import InvalidRequest

if TYPE_CHECKING:
    from bot.adapters.slack.app import SlackAdapter

Source = Literal["channel", "dm", "mention", "slash", "shortcut"]
CONFIRM_REACTION = "white_check_mark"


@dataclass(frozen=True)
class Origin:
    """Where a report came from, where its thread may hang, and how to answer the sender privately."""

    source: Source
    channel: str
    user: str
    reply: Reply
    message_ts: str | None = None
    thread_ts: str | None = None


@dataclass
class Submission:
    """What a view_submission listener acknowledges with, and the work to do after acknowledging."""

    ack: dict[str, Any] = field(default_factory=dict)
    then: Callable[[], None] | None = None

    def run(self) -> None:
        if self.then is not None:
            self.then()


class Handlers:
    """One method per Slack interaction; each is safe to call from a listener."""

    def __init__(self, adapter: SlackAdapter) -> None:
        self.adapter = adapter
        self.replies = adapter.replies
        self.settings = adapter.settings
        self.t = adapter.render.t
        self.asking = Asking(self)

    @property
    def triage(self):  # noqa: ANN201 - the adapter's core (PR members resolved from user groups)
        return self.adapter.triage

    def deliver(self, reply: Reply, action: str, steps: plan.Plan, incident_id: int | None = None,
                before: Callable[[], None] | None = None) -> None:
        """Run a plan after the HTTP response, paced; platform failures told to the user (and on the timeline)."""
        def work() -> None:
            with self.replies.guard(reply, action, incident_id or steps.incident_id, stored=True):
                if before is not None:
                    before()
                result = self.adapter.runner.run(steps, reply=lambda content: self.replies.say(
                    reply, self.adapter.port.rendered(content), steps.incident_id))
                self.replies.failures(reply, result.failures, steps.incident_id)
        if not self.adapter.pacer.submit(Job(work, steps.severity, steps.lane, steps.coalesce)):
            log_event(logging.WARNING, "slack.delivery_deferred", incident_id=steps.incident_id, action=action)

    # -- reports -----------------------------------------------------------------------------------------------
    def message_origin(self, event: dict[str, Any]) -> Origin | None:
        """A report from a message event: top-level posts in report channels and direct messages only."""
        if event.get("subtype") not in (None, "file_share") or event.get("bot_id") or not event.get("user"):
            return None
        channel, ts, thread = event.get("channel", ""), event.get("ts"), event.get("thread_ts")
        if thread is not None and thread != ts:
            return None  # replies in threads are conversation (an incident's own thread included), not reports
        if event.get("channel_type") == "im":
            source: Source = "dm"
        elif channel in self.settings.report_channels:
            source = "channel"
        else:
            return None
        return Origin(source, channel, event["user"], self.replies.ephemeral(channel, event["user"], thread or ts),
                      message_ts=ts, thread_ts=thread)

    def mention_origin(self, event: dict[str, Any]) -> Origin | None:
        """A report by @mention outside report channels (there the message event already carries it)."""
        channel, thread = event.get("channel", ""), event.get("thread_ts")
        if channel in self.settings.report_channels or event.get("channel_type") == "im" or not event.get("user"):
            return None
        if thread and self.triage.queries.by_conversation(PLATFORM, channel, thread) is not None:
            return None  # a mention inside an incident's own thread is conversation, not a new report
        return Origin("mention", channel, event["user"],
                      self.replies.ephemeral(channel, event["user"], event.get("thread_ts") or event.get("ts")),
                      message_ts=event.get("ts"), thread_ts=event.get("thread_ts"))

    def report_message(self, event: dict[str, Any], event_id: str | None, origin: Origin,
                       bot_user_id: str | None) -> None:
        """A message or mention event as a report (idempotent by event_id)."""
        text = slack_to_plain(strip_mentions_of(event.get("text") or "", bot_user_id))
        conversation = ConversationRef(PLATFORM, origin.channel, origin.thread_ts or origin.message_ts)
        self.report(lambda actor: ReportInput(text=text, reporter=actor, idempotency_key=event_id,
                                              conversation=conversation), origin)

    def slash(self, command: dict[str, Any]) -> None:
        """The slash command: help, or the text as a report (idempotent by trigger_id)."""
        user, channel = command["user_id"], command["channel_id"]
        origin = Origin("slash", channel, user, self.replies.respond(command.get("response_url"),
                                                                     self.replies.ephemeral(channel, user)))
        text = slack_to_plain(command.get("text") or "").strip()
        if is_help(text):
            self.replies.say(origin.reply, self.replies.plain(self.t(
                "slack.help", command=self.settings.slash_command, reaction=self.settings.capture_reaction)))
            return
        key = f"slash:{command.get('trigger_id') or command.get('command_ts', '')}"
        self.report(lambda actor: ReportInput(text=text, reporter=actor, idempotency_key=key), origin)

    def report(self, make_input: Callable[[Actor], ReportInput], origin: Origin) -> None:
        """Send a report to the core and show the outcome."""
        with self.replies.guard(origin.reply, "report"):
            actor = self.adapter.actor(origin.user)
            # A DM, a mention, the slash command and the shortcut are explicit intent: never dropped.
            report = replace(make_input(actor), explicit=origin.source != "channel")
            # A redelivery answers with the first outcome (duplicate): its plan finishes what a crash left unposted.
            self.show_report(self.triage.incidents.report(report), origin, actor)

    def neutral_origin(self, origin: Origin, actor: Actor) -> plan.Origin:
        """Where the report was made, as the plan sees it."""
        in_report_channel = origin.channel in self.settings.report_channels
        if origin.message_ts and (origin.source in ("channel", "dm", "mention")
                                  or (origin.source == "shortcut" and in_report_channel)):
            return plan.Origin("message", Place(origin.channel, origin.thread_ts or origin.message_ts), origin.user,
                               actor.display_name, public=origin.source != "dm")
        return plan.Origin("command", Place(origin.channel), origin.user, actor.display_name,
                           public=in_report_channel, private=origin.user)

    def show_report(self, outcome: Outcome, origin: Origin, actor: Actor) -> None:
        """Plan and deliver a report's posts (a new incident once: claimed, so a retry or resume skips it)."""
        view = outcome.incident
        if view is None and outcome.ask is not None and origin.message_ts:
            self.asking.show(outcome.ask, origin)  # only the poster sees the question
            return
        if view is None:
            if origin.source != "channel":  # chatter in report channels gets no reply
                self.replies.say(origin.reply, self.replies.plain(*outcome.messages))
            return
        if outcome.duplicate and not (outcome.created or outcome.merged):
            log_event(logging.INFO, "slack.report_duplicate", incident_id=view.id, source=origin.source)
            return
        log_event(logging.INFO, "slack.report", incident_id=view.id, source=origin.source, created=outcome.created,
                  merged=outcome.merged, kind=view.kind)
        # A new incident's plan runs once (its REPORT_DELIVERY mark is claimed first): retries and resume skip it.
        self.deliver(origin.reply, "merged" if outcome.merged else "report",
                     plan.report(outcome, self.neutral_origin(origin, actor)))

    # -- message shortcut --------------------------------------------------------------------------------------
    def open_report_modal(self, shortcut: dict[str, Any]) -> None:
        """The confirm modal of "インシデントとして報告", pre-filled with the message text and permalink."""
        user, channel = shortcut["user"]["id"], shortcut["channel"]["id"]
        message = shortcut.get("message") or {}
        reply = self.replies.respond(shortcut.get("response_url"), self.replies.dm(user))
        with self.replies.guard(reply, "shortcut"):
            ts = message.get("ts") or shortcut.get("message_ts")
            permalink = self.adapter.port.permalink(Posted(channel, ts)) if ts else None
            metadata = {"c": channel, "ts": ts, "th": message.get("thread_ts"), "k": shortcut["trigger_id"],
                        "r": shortcut.get("response_url"), "p": permalink}
            view = self.adapter.render.report_modal(slack_to_plain(message.get("text")), permalink, metadata)
            self.adapter.client.views_open(trigger_id=shortcut["trigger_id"], view=view)

    def submit_report(self, body: dict[str, Any]) -> Submission:
        """The shortcut's modal submitted: report (idempotent by the shortcut's trigger_id)."""
        view, user = body["view"], body["user"]["id"]
        meta = decode_metadata(view.get("private_metadata"))
        values = (view.get("state") or {}).get("values") or {}
        text = ((values.get("report_text") or {}).get(INPUT_ACTION) or {}).get("value") or ""
        kind = (((values.get("report_kind") or {}).get(INPUT_ACTION) or {}).get("selected_option") or {}).get("value")
        reply = self.replies.respond(meta.get("r"), self.replies.dm(user))
        origin = Origin("shortcut", meta.get("c") or user, user, reply, message_ts=meta.get("ts"),
                        thread_ts=meta.get("th"))
        actor = self.adapter.actor(user, body["user"].get("name", ""))
        report = ReportInput(text=text, reporter=actor, kind_hint=kind, explicit=True,
                             idempotency_key=f"shortcut:{meta.get('k') or view.get('id')}")
        try:
            outcome = self.triage.incidents.report(report)  # submitted again: the first submission's outcome
            if outcome.incident is not None and meta.get("ts"):  # the original message's permalink, once
                self.triage.incidents.add_note(outcome.incident.id, actor, self.t("slack.modal.source_note"),
                                               key=f"shortcut-src:{meta.get('c')}:{meta['ts']}",
                                               at=ts_to_datetime(meta["ts"]), link=meta.get("p"))
        except Exception as exc:  # told inside the modal, which stays open with the text
            return Submission({"response_action": "errors", "errors": {"report_text": self.replies.refusal(exc)}})
        if outcome.incident is None:
            return Submission({"response_action": "errors", "errors": {"report_text": " ".join(outcome.messages)}})
        return Submission({}, lambda: self.show_report(outcome, origin, actor))

    # -- steps -------------------------------------------------------------------------------------------------
    def _action_context(self, body: dict[str, Any]) -> tuple[str, str, str | None, Reply]:
        user = body["user"]["id"]
        container = body.get("container") or {}
        channel = container.get("channel_id") or (body.get("channel") or {}).get("id") or user
        message = body.get("message") or {}
        thread = message.get("thread_ts") or container.get("thread_ts")
        return user, channel, thread, self.replies.ephemeral(channel, user, thread)

    @staticmethod
    def _clicked(body: dict[str, Any]) -> Posted | None:
        """The message whose button was clicked."""
        container = body.get("container") or {}
        channel = container.get("channel_id")
        ts = container.get("message_ts") or (body.get("message") or {}).get("ts")
        return Posted(str(channel), str(ts)) if channel and ts else None

    def _stale(self, ref: StepRef, actor: Actor, reply: Reply) -> bool:
        """A button of the playbook the incident left (kind corrected): tell, do nothing."""
        if self.triage.queries.view(ref.incident_id, actor.user_id).kind == ref.kind:
            return False
        self.replies.say(reply, self.replies.plain(self.t("slack.step.stale")), ref.incident_id)
        return True

    def _now_text(self) -> str:
        return format_jst(self.adapter.now(), self.adapter.catalog.locale)

    def step_button(self, body: dict[str, Any], action: dict[str, Any], *, skip: bool) -> None:
        """step_done / step_skip: complete the step; the plan posts what follows, then closes the clicked one."""
        user, _, _, reply = self._action_context(body)
        ref = StepRef.decode(action["value"])
        with self.replies.guard(reply, "step_skip" if skip else "step_done", ref.incident_id):
            actor = self.adapter.actor(user, body["user"].get("name", ""))
            if self._stale(ref, actor, reply):
                return
            outcome = self.triage.steps.complete(ref.incident_id, ref.step_id, actor, skip=skip,
                                                 expected_kind=ref.kind)
            duplicate = outcome.duplicate
            if duplicate:  # a double click, or a click again after a crash: finish the missing posts
                self.replies.say(reply, self.replies.plain(self.t("slack.duplicate")), ref.incident_id)
                outcome = self.triage.steps.replay(ref.incident_id, ref.step_id, actor)
            self.show_progress(outcome, actor, reply, at=self._clicked(body))

    def open_step_modal(self, body: dict[str, Any], action: dict[str, Any]) -> None:
        """step_input: the step's inputs in a modal (current answers pre-filled)."""
        user, channel, thread, reply = self._action_context(body)
        ref = StepRef.decode(action["value"])
        with self.replies.guard(reply, "step_input", ref.incident_id):
            actor = self.adapter.actor(user, body["user"].get("name", ""))
            if self._stale(ref, actor, reply):
                return
            step = self.triage.steps.input_view(ref.incident_id, ref.step_id, actor)  # a refusal is recorded
            clicked = self._clicked(body)
            metadata = {"i": ref.incident_id, "k": ref.kind, "s": ref.step_id, "c": channel, "t": thread,
                        "m": clicked.id if clicked else None}
            self.adapter.client.views_open(trigger_id=body["trigger_id"],
                                           view=self.adapter.render.step_modal(step, metadata))

    def submit_step(self, body: dict[str, Any]) -> Submission:
        """The step modal submitted: the core validates; its refusal goes back into the modal as field errors."""
        view, user = body["view"], body["user"]["id"]
        meta = decode_metadata(view.get("private_metadata"))
        ref = StepRef(int(meta["i"]), str(meta["k"]), str(meta["s"]))
        reply = self.replies.ephemeral(meta.get("c") or user, user, meta.get("t"))
        first = next((b["block_id"] for b in view.get("blocks") or [] if b.get("type") == "input"), "")
        try:
            actor = self.adapter.actor(user, body["user"].get("name", ""))
            if self.triage.queries.view(ref.incident_id, qualify(PLATFORM, user)).kind != ref.kind:
                return Submission({"response_action": "errors", "errors": {first: self.t("slack.step.stale")}})
            outcome = self.triage.steps.complete(ref.incident_id, ref.step_id, actor,
                                                 answers=submitted_values(view.get("state") or {}),
                                                 expected_kind=ref.kind)
            if outcome.duplicate:  # submitted again after a crash: finish the first submission's posts
                outcome = self.triage.steps.replay(ref.incident_id, ref.step_id, actor)
        except InvalidRequest as exc:
            return Submission({"response_action": "errors", "errors": field_errors(str(exc), view)})
        except Exception as exc:  # told inside the modal, which stays open with the answers
            return Submission({"response_action": "errors",
                               "errors": {first: self.replies.refusal(exc, ref.incident_id)}})
        at = Posted(str(meta["c"]), str(meta["m"])) if meta.get("c") and meta.get("m") else None
        return Submission({}, lambda: self.show_progress(outcome, actor, reply, at=at))

    def show_progress(self, outcome: Outcome, actor: Actor, reply: Reply, at: Posted | None = None) -> None:
        """After a step changed: the plan posts the next step and the end, then closes the finished step."""
        view = outcome.incident
        if view is None:
            return
        log_event(logging.INFO, "slack.step", incident_id=view.id, finished=outcome.finished,
                  step=outcome.completed_step.step_id if outcome.completed_step else None, replay=outcome.duplicate)
        steps = plan.progress(outcome, actor.display_name, self._now_text(), at=at)
        self.deliver(reply, "step", closing.at_end(steps, RecordsDesk(self.triage.deps), view, PLATFORM,
                                                   ender=actor.user_id))

    # -- kind correction -----------------------------------------------------------------------------------------
    def correct_kind(self, body: dict[str, Any], action: dict[str, Any]) -> None:
        """kind_select: switch playbooks; redaction and the move to a private conversation are the plan's."""
        user, _, _, reply = self._action_context(body)
        incident_id = int(str(action.get("block_id", "")).split("|", 1)[1])
        kind = (action.get("selected_option") or {}).get("value", "")
        with self.replies.guard(reply, "kind_select", incident_id):
            actor = self.adapter.actor(user, body["user"].get("name", ""))
            before = self.triage.queries.view(incident_id, None)
            old_step = self.triage.steps.current(incident_id, qualify(PLATFORM, user))
            outcome = self.triage.incidents.correct_kind(incident_id, kind, actor)
            if outcome.incident is None:
                return
            log_event(logging.INFO, "slack.kind_corrected", incident_id=incident_id, old=before.kind,
                      new=outcome.incident.kind, replay=outcome.duplicate)
            home = self.adapter.ledger.home(incident_id)
            reporter = self.adapter.actor(before.reporter_id).display_name
            self.deliver(reply, "kind_select", plan.kind_corrected(
                before, old_step, outcome, reporter, home_is_private=bool(home and home.channel.startswith("D"))))

    # -- acknowledgement -----------------------------------------------------------------------------------------
    def acknowledge(self, body: dict[str, Any], action: dict[str, Any]) -> None:
        """acknowledge: the core checks PR membership; the reporters are told, then the controls replaced."""
        user, _, _, reply = self._action_context(body)
        incident_id = int(action["value"])
        with self.replies.guard(reply, "acknowledge", incident_id):
            actor = self.adapter.actor(user, body["user"].get("name", ""))
            outcome = self.triage.incidents.acknowledge(incident_id, actor)
            if outcome.duplicate:  # clicked again (after a crash, or on a message posted meanwhile): who and when
                self.replies.say(reply, self.replies.plain(*outcome.messages), incident_id)
            view = outcome.incident
            if view is None or not outcome.messages:
                return
            log_event(logging.INFO, "slack.acknowledged", incident_id=incident_id, user=actor.user_id,
                      replay=outcome.duplicate)
            when = format_jst(view.acknowledged_at, self.adapter.catalog.locale)
            self.deliver(reply, "acknowledge", plan.acknowledged(outcome, view.acknowledged_by or actor.display_name,
                                                                 when))

    # -- timeline capture ------------------------------------------------------------------------------------------
    def capture(self, event: dict[str, Any]) -> None:
        """The capture reaction on a message in an incident thread: add it to the timeline once, confirm."""
        item = event.get("item") or {}
        if event.get("reaction") != self.settings.capture_reaction or item.get("type") != "message":
            return
        channel, ts, user = item.get("channel", ""), item.get("ts", ""), event.get("user", "")
        with self.replies.guard(self.replies.ephemeral(channel, user), "capture"):
            message = self.adapter.port.fetch_message(channel, ts)
            if message is None:
                log_event(logging.INFO, "slack.capture_no_message", channel=channel)
                return
            incident_id = self.triage.queries.by_conversation(PLATFORM, channel, message.get("thread_ts") or ts)
            if incident_id is None:
                return  # not an incident thread: reactions elsewhere are none of the bot's business
            outcome = self.triage.incidents.add_note(
                incident_id, self.adapter.actor(user), slack_to_plain(message.get("text")), key=f"pin:{channel}:{ts}",
                at=ts_to_datetime(ts), link=self.adapter.port.permalink(Posted(channel, ts)))
            confirmed = any(r.get("name") == CONFIRM_REACTION for r in message.get("reactions") or [])
            if outcome.duplicate and confirmed:
                return
            # A redelivered reaction (a crash before Slack got its 200) still gets its confirmation reaction.
            log_event(logging.INFO, "slack.captured", incident_id=incident_id, channel=channel,
                      duplicate=outcome.duplicate)
            try:
                self.adapter.client.reactions_add(channel=channel, timestamp=ts, name=CONFIRM_REACTION)
            except SlackApiError as exc:
                if error_code(exc) != "already_reacted":
                    raise


def field_errors(message: str, view: dict[str, Any]) -> dict[str, str]:
    """The core's validation message mapped onto the modal's input blocks by their labels."""
    inputs = [(b["block_id"], (b.get("label") or {}).get("text", "")) for b in view.get("blocks") or []
              if b.get("type") == "input" and str(b.get("block_id", "")).startswith(INPUT_BLOCK_PREFIX)]
    return {block: text[:2000] for block, text in split_errors(message, inputs).items()}
