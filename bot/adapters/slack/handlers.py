"""Translation between Slack payloads and the core: payload -> neutral input -> core call -> render/deliver.

Crash safety (docs/operations.md): the core's part of every interaction runs before Slack gets its HTTP 200
(app.py: process_before_response), the Slack posts after it (`later`). So a 200 means "stored": a crash before
it makes Slack redeliver the event or the user click again, and the core's keys turn that into a replay
(`replay_report`, `steps.replay`, `replay_acknowledgement`) that finishes the posts without repeating any
(delivery.py claims each post once). A report nobody will resend is finished by resume.py. Controls are taken
away only after what replaces them is posted, so a crash always leaves something to click again.

Listeners (bot/adapters/slack/listeners/) stay a few lines each and call these. No business rule lives
here: who may do what, merging, transitions and validation are the core's; this module only decides
where in Slack things are shown and how failures are told to the user.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from slack_sdk.errors import SlackApiError
from sqlalchemy.exc import SQLAlchemyError

from bot.adapters.slack.delivery import (
    ACK_TOLD,
    CLAIM_LEASE,
    FINISHED,
    INTRO,
    PLATFORM,
    REPORT_DELIVERY,
    error_code,
    merged_purpose,
)
from bot.adapters.slack.logs import log_event
from bot.adapters.slack.render import (
    INPUT_ACTION,
    INPUT_BLOCK_PREFIX,
    Rendered,
    StepRef,
    decode_metadata,
    submitted_values,
)
from bot.adapters.slack.text import escape, link, slack_to_plain, strip_mentions_of, ts_to_datetime, user_mention
from bot.clock import format_jst
from bot.ports import Actor, ConversationRef, IncidentView, Outcome, ReportInput
from bot.triage.access import PermissionDenied
from bot.triage.core import IncidentNotFound, InvalidRequest, StorageUnavailable
from bot.triage.lifecycle import IllegalTransition

if TYPE_CHECKING:
    from bot.adapters.slack.app import SlackAdapter

Reply = Callable[[Rendered], None]
Source = Literal["channel", "dm", "mention", "slash", "shortcut"]
HELP_WORDS = frozenset({"", "help", "ヘルプ", "使い方", "?", "？"})
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
    """One method per Slack interaction; each is safe to call from a listener after ack()."""

    def __init__(self, adapter: SlackAdapter) -> None:
        self.adapter = adapter
        self.render = adapter.render
        self.delivery = adapter.delivery
        self.settings = adapter.settings
        self.t = adapter.render.t

    @property
    def triage(self):  # noqa: ANN201 - the adapter's core (PR members resolved from user groups)
        return self.adapter.triage

    # -- replies and errors --------------------------------------------------------------------------------
    def plain(self, *texts: str) -> Rendered:
        return self.render.messages(texts)

    def ephemeral_reply(self, channel: str, user: str, thread_ts: str | None = None) -> Reply:
        def reply(message: Rendered) -> None:
            self.adapter.client.chat_postEphemeral(channel=channel, user=user, thread_ts=thread_ts,
                                                   **message.payload())
        return reply

    def respond_reply(self, response_url: str | None, fallback: Reply) -> Reply:
        if not response_url:
            return fallback

        def reply(message: Rendered) -> None:
            response = self.adapter.webhook(response_url).send(response_type="ephemeral", replace_original=False,
                                                               **message.payload())
            if response.status_code != 200:
                log_event(logging.WARNING, "slack.respond_failed", status=response.status_code)
                fallback(message)
        return reply

    def dm_reply(self, user: str) -> Reply:
        def reply(message: Rendered) -> None:
            self.delivery.post(user, message)
        return reply

    def _say(self, reply: Reply, message: Rendered, incident_id: int | None = None) -> None:
        try:
            reply(message)
        except SlackApiError as exc:
            log_event(logging.ERROR, "slack.reply_failed", incident_id=incident_id, error=error_code(exc))

    def _record_api_error(self, exc: SlackApiError, action: str, incident_id: int | None) -> None:
        """Log a Web API failure and put it on the incident's timeline (never swallowed)."""
        log_event(logging.ERROR, "slack.api_error", incident_id=incident_id, action=action, error=error_code(exc))
        if incident_id is None:
            return
        try:
            self.triage.incidents.record_delivery_error(incident_id, platform="slack", action=action,
                                                        error=error_code(exc))
        except (SQLAlchemyError, IncidentNotFound, InvalidRequest):
            log_event(logging.ERROR, "slack.api_error_unrecorded", incident_id=incident_id, action=action)

    def api_error_text(self, exc: SlackApiError) -> str:
        code = error_code(exc)
        key = f"slack.error.code.{code}"
        detail = self.t(key) if key in self.adapter.catalog.keys() else code
        return self.t("slack.error.api", error=detail)

    @contextmanager
    def guard(self, reply: Reply, action: str, incident_id: int | None = None, *,
              stored: bool = False) -> Iterator[None]:
        """Run a core call and its rendering; every failure is logged and told to the user in plain words.

        stored: only posts are left (the core committed before the HTTP 200). A database outage then is logged,
        not told: "try again" would make the user report twice; their next click or resume.py finishes the posts.
        """
        try:
            yield
        except (StorageUnavailable, SQLAlchemyError) as exc:
            log_event(logging.WARNING if isinstance(exc, StorageUnavailable) else logging.ERROR,
                      "slack.storage_unavailable", incident_id=incident_id, action=action, stored=stored,
                      error=type(exc.__cause__ or exc).__name__)
            if not stored:
                self._say(reply, self.plain(self.t("error.storage")), incident_id)
        except PermissionDenied as exc:
            log_event(logging.WARNING, "slack.denied", incident_id=exc.incident_id, user=exc.user_id,
                      action=exc.action)
            self._say(reply, self.plain(self.t("ack.denied" if exc.action == "acknowledge" else "error.denied")),
                      incident_id)
        except InvalidRequest as exc:
            self._say(reply, self.plain(str(exc)), incident_id)
        except IllegalTransition as exc:
            label = self.adapter.catalog.label
            self._say(reply, self.plain(self.t("error.illegal_transition", ref=_ref(incident_id),
                                               current=label("status", exc.current),
                                               target=label("status", exc.target))), incident_id)
        except IncidentNotFound as exc:
            self._say(reply, self.plain(self.t("error.not_found", ref=_ref(exc.incident_id))), incident_id)
        except SlackApiError as exc:
            self._record_api_error(exc, action, incident_id)
            self._say(reply, self.plain(self.api_error_text(exc)), incident_id)
        except Exception:
            logging.getLogger("incident_bot.slack").exception("slack.unexpected action=%s incident_id=%s",
                                                              action, incident_id)
            self._say(reply, self.plain(self.t("slack.error.unexpected")), incident_id)

    def later(self, reply: Reply, action: str, incident_id: int | None, work: Callable[[], None]) -> None:
        """Run `work` (the Slack posts of something the core has stored) after the HTTP response, guarded."""

        def run() -> None:
            with self.guard(reply, action, incident_id, stored=True):
                work()

        self.adapter.deferred.submit(run)

    def _refusal(self, exc: Exception, incident_id: int | None = None) -> str:
        """A failure before a modal is acknowledged, as the text shown in the modal (and logged)."""
        if isinstance(exc, InvalidRequest):
            return str(exc)[:2000]
        if isinstance(exc, PermissionDenied):
            log_event(logging.WARNING, "slack.denied", incident_id=exc.incident_id, user=exc.user_id,
                      action=exc.action)
            return self.t("error.denied")
        if isinstance(exc, IncidentNotFound):
            return self.t("error.not_found", ref=_ref(exc.incident_id))
        if isinstance(exc, SQLAlchemyError):
            log_event(logging.ERROR, "slack.storage_error", incident_id=incident_id, error=type(exc).__name__)
            return self.t("error.storage")
        if isinstance(exc, SlackApiError):
            self._record_api_error(exc, "modal", incident_id)
            return self.api_error_text(exc)
        logging.getLogger("incident_bot.slack").exception("slack.unexpected incident_id=%s", incident_id)
        return self.t("slack.error.unexpected")

    def _attempt(self, failures: list[str], action: str, incident_id: int, work: Callable[[], Any]) -> Any:
        """One side effect of a flow; a Slack failure is logged and collected so the others still run.
        Returns what the work returned (a posted message's ts), None after a failure."""
        try:
            return work()
        except SlackApiError as exc:
            self._record_api_error(exc, action, incident_id)
            failures.append(self.api_error_text(exc))
            return None

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
        return Origin(source, channel, event["user"], self.ephemeral_reply(channel, event["user"], thread or ts),
                      message_ts=ts, thread_ts=thread)

    def mention_origin(self, event: dict[str, Any]) -> Origin | None:
        """A report by @mention outside report channels (there the message event already carries it)."""
        channel, thread = event.get("channel", ""), event.get("thread_ts")
        if channel in self.settings.report_channels or event.get("channel_type") == "im" or not event.get("user"):
            return None
        if thread and self.triage.queries.by_conversation(PLATFORM, channel, thread) is not None:
            return None  # a mention inside an incident's own thread is conversation, not a new report
        return Origin("mention", channel, event["user"],
                      self.ephemeral_reply(channel, event["user"], event.get("thread_ts") or event.get("ts")),
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
        origin = Origin("slash", channel, user, self.respond_reply(command.get("response_url"),
                                                                   self.ephemeral_reply(channel, user)))
        text = slack_to_plain(command.get("text") or "").strip()
        if text.lower() in HELP_WORDS:
            self._say(origin.reply, self.plain(self.t("slack.help", command=self.settings.slash_command,
                                                      reaction=self.settings.capture_reaction)))
            return
        key = f"slash:{command.get('trigger_id') or command.get('command_ts', '')}"
        self.report(lambda actor: ReportInput(text=text, reporter=actor, idempotency_key=key), origin)

    def report(self, make_input: Callable[[Actor], ReportInput], origin: Origin) -> None:
        """Send a report to the core and show the outcome: thread, step 1, PR message, replies."""
        with self.guard(origin.reply, "report"):
            actor = self.adapter.actor(origin.user)
            report = make_input(actor)
            outcome = self.triage.incidents.report(report)
            if outcome.duplicate:  # a redelivery: finish what the first delivery may not have posted (crash)
                outcome = self.triage.incidents.replay_report(report) or outcome
            self.later(origin.reply, "report", outcome.incident.id if outcome.incident else None,
                       lambda: self.show_report(outcome, origin, actor))

    def show_report(self, outcome: Outcome, origin: Origin, actor: Actor) -> None:
        view = outcome.incident
        if view is None:
            if origin.source != "channel":  # chatter in report channels gets no reply
                self._say(origin.reply, self.plain(*outcome.messages))
            return
        if outcome.duplicate:
            log_event(logging.INFO, "slack.report_duplicate", incident_id=view.id, source=origin.source)
            if not (outcome.created or outcome.merged):
                return
            # A replay (IncidentDesk.replay_report): the posts below are claimed, so only missing ones go out.
        log_event(logging.INFO, "slack.report", incident_id=view.id, source=origin.source, created=outcome.created,
                  merged=outcome.merged, kind=view.kind)
        failures: list[str] = []
        if outcome.merged:
            self._attempt(failures, "merged", view.id, lambda: self._tell_merged(outcome, origin))
        else:
            # Once per incident (a retry, a replay or resume.py finding it done or in hand elsewhere skips it).
            claim = self.triage.queries.claim_ref(view.id, PLATFORM, REPORT_DELIVERY, origin.channel,
                                                  stale_after=CLAIM_LEASE)
            if claim.state in ("posted", "busy"):
                return
            self._attempt(failures, "thread", view.id, lambda: self._home_thread(view, origin, actor))
            self._attempt(failures, "intro", view.id, lambda: self.delivery.post_in_thread(
                view.id, self.render.intro(outcome.messages, view.id, view.kind), purpose=INTRO))
            if outcome.step is not None:
                step = outcome.step
                self._attempt(failures, "step", view.id, lambda: self.delivery.post_step(view.id, view.kind, step))
            for note in outcome.notifications:
                self._attempt(failures, "notify", view.id, lambda n=note: self.delivery.post_notification(n, view))
            if origin.source in ("slash", "shortcut"):
                self._attempt(failures, "anchored", view.id, lambda: self._tell_anchored(view, origin))
            # Done, failures included (they were told and put on the timeline): nothing left to resume.
            self.triage.queries.put_ref(view.id, PLATFORM, REPORT_DELIVERY, origin.channel, "done")
        if failures:
            self._say(origin.reply, self.plain(*dict.fromkeys(failures)), view.id)

    def _home_thread(self, view: IncidentView, origin: Origin, actor: Actor) -> None:
        """Where the playbook runs: under the report message, else a new thread in a report channel or DM."""
        if origin.source in ("channel", "dm", "mention") and origin.message_ts:
            self.delivery.adopt_thread(view.id, origin.channel, origin.thread_ts or origin.message_ts)
            return
        in_report_channel = origin.channel in self.settings.report_channels and not view.restricted
        if origin.source == "shortcut" and in_report_channel and origin.message_ts:
            self.delivery.adopt_thread(view.id, origin.channel, origin.thread_ts or origin.message_ts)
            return
        home = origin.channel if in_report_channel else origin.user  # a user id posts into the bot's DM
        self.delivery.open_thread(view.id, home, self.render.anchor(view.ref, view.kind_label, actor.display_name))

    def _tell_anchored(self, view: IncidentView, origin: Origin) -> None:
        url = self.delivery.thread_link(view.id)
        where = link(url, self.t("slack.thread_link")) if url else escape(self.t("slack.thread_link"))
        origin.reply(self.render.markup(self.t("slack.anchored", ref=view.ref, link=where)))

    def _tell_merged(self, outcome: Outcome, origin: Origin) -> None:
        assert outcome.incident is not None
        url = self.delivery.thread_link(outcome.incident.id)
        texts = [escape(m) for m in outcome.messages]
        if url:
            texts.append(self.t("slack.merged_link", link=link(url, self.t("slack.thread_link"))))
        message = self.render.markup("\n".join(texts))
        if origin.source in ("channel", "dm", "mention") and origin.message_ts:
            where = origin.thread_ts or origin.message_ts
            self.delivery.claimed_post(outcome.incident.id, merged_purpose(origin.channel, where), origin.channel,
                                       message, thread_ts=where)
        else:
            origin.reply(message)

    # -- message shortcut --------------------------------------------------------------------------------------
    def open_report_modal(self, shortcut: dict[str, Any]) -> None:
        """The confirm modal of "インシデントとして報告", pre-filled with the message text and permalink."""
        user, channel = shortcut["user"]["id"], shortcut["channel"]["id"]
        message = shortcut.get("message") or {}
        reply = self.respond_reply(shortcut.get("response_url"), self.dm_reply(user))
        with self.guard(reply, "shortcut"):
            ts = message.get("ts") or shortcut.get("message_ts")
            permalink = self.delivery.permalink(channel, ts) if ts else None
            metadata = {"c": channel, "ts": ts, "th": message.get("thread_ts"), "k": shortcut["trigger_id"],
                        "r": shortcut.get("response_url"), "p": permalink}
            view = self.render.report_modal(slack_to_plain(message.get("text")), permalink, metadata)
            self.adapter.client.views_open(trigger_id=shortcut["trigger_id"], view=view)

    def submit_report(self, body: dict[str, Any]) -> Submission:
        """The shortcut's modal submitted: report (idempotent by the shortcut's trigger_id)."""
        view, user = body["view"], body["user"]["id"]
        meta = decode_metadata(view.get("private_metadata"))
        values = (view.get("state") or {}).get("values") or {}
        text = ((values.get("report_text") or {}).get(INPUT_ACTION) or {}).get("value") or ""
        kind = (((values.get("report_kind") or {}).get(INPUT_ACTION) or {}).get("selected_option") or {}).get("value")
        reply = self.respond_reply(meta.get("r"), self.dm_reply(user))
        origin = Origin("shortcut", meta.get("c") or user, user, reply, message_ts=meta.get("ts"),
                        thread_ts=meta.get("th"))
        actor = self.adapter.actor(user, body["user"].get("name", ""))
        report = ReportInput(text=text, reporter=actor, kind_hint=kind,
                             idempotency_key=f"shortcut:{meta.get('k') or view.get('id')}")
        try:
            outcome = self.triage.incidents.report(report)
            if outcome.duplicate:  # submitted again after a crash: finish the first submission's posts
                outcome = self.triage.incidents.replay_report(report) or outcome
            self._note_source(outcome, meta, actor)
        except Exception as exc:  # told inside the modal, which stays open with the text
            return Submission({"response_action": "errors", "errors": {"report_text": self._refusal(exc)}})
        if outcome.incident is None:
            return Submission({"response_action": "errors", "errors": {"report_text": " ".join(outcome.messages)}})

        def then() -> None:
            self.later(origin.reply, "report", outcome.incident.id if outcome.incident else None,
                       lambda: self.show_report(outcome, origin, actor))
        return Submission({}, then)

    def _note_source(self, outcome: Outcome, meta: dict[str, Any], actor: Actor) -> None:
        """Keep the original message's permalink on the timeline (once: keyed, so a resubmission adds nothing)."""
        if outcome.incident is None or not meta.get("ts"):
            return
        self.triage.incidents.add_note(outcome.incident.id, actor, self.t("slack.modal.source_note"),
                                       key=f"shortcut-src:{meta.get('c')}:{meta['ts']}",
                                       at=ts_to_datetime(meta["ts"]), link=meta.get("p"))

    # -- steps -------------------------------------------------------------------------------------------------
    def _action_context(self, body: dict[str, Any]) -> tuple[str, str, str | None, Reply]:
        user = body["user"]["id"]
        container = body.get("container") or {}
        channel = container.get("channel_id") or (body.get("channel") or {}).get("id") or user
        message = body.get("message") or {}
        thread = message.get("thread_ts") or container.get("thread_ts")
        return user, channel, thread, self.ephemeral_reply(channel, user, thread)

    @staticmethod
    def _clicked(body: dict[str, Any]) -> tuple[str, str] | None:
        """(channel, ts) of the message whose button was clicked."""
        container = body.get("container") or {}
        channel = container.get("channel_id")
        ts = container.get("message_ts") or (body.get("message") or {}).get("ts")
        return (str(channel), str(ts)) if channel and ts else None

    def _stale(self, ref: StepRef, actor: Actor, reply: Reply) -> bool:
        """A button of the playbook the incident left (kind corrected): tell, do nothing."""
        if self.triage.queries.view(ref.incident_id, actor.user_id).kind == ref.kind:
            return False
        self._say(reply, self.plain(self.t("slack.step.stale")), ref.incident_id)
        return True

    def step_button(self, body: dict[str, Any], action: dict[str, Any], *, skip: bool) -> None:
        """step_done / step_skip: complete the step, update it in place, post the next one."""
        user, _, _, reply = self._action_context(body)
        ref = StepRef.decode(action["value"])
        with self.guard(reply, "step_skip" if skip else "step_done", ref.incident_id):
            actor = self.adapter.actor(user, body["user"].get("name", ""))
            if self._stale(ref, actor, reply):
                return
            outcome = self.triage.steps.complete(ref.incident_id, ref.step_id, actor, skip=skip,
                                                 expected_kind=ref.kind)
            duplicate = outcome.duplicate
            if duplicate:  # a double click, or a click again after a crash: finish the missing posts
                outcome = self.triage.steps.replay(ref.incident_id, ref.step_id, actor)
            at = self._clicked(body)

            def deliver() -> None:
                if duplicate:
                    self._say(reply, self.plain(self.t("slack.duplicate")), ref.incident_id)
                self.show_progress(outcome, actor, reply, at=at)
            self.later(reply, "step_skip" if skip else "step_done", ref.incident_id, deliver)

    def open_step_modal(self, body: dict[str, Any], action: dict[str, Any]) -> None:
        """step_input: the step's inputs in a modal (current answers pre-filled)."""
        user, channel, thread, reply = self._action_context(body)
        ref = StepRef.decode(action["value"])
        with self.guard(reply, "step_input", ref.incident_id):
            actor = self.adapter.actor(user, body["user"].get("name", ""))
            if self._stale(ref, actor, reply):
                return
            step = self.triage.steps.input_view(ref.incident_id, ref.step_id, actor)  # a refusal is recorded
            clicked = self._clicked(body)
            metadata = {"i": ref.incident_id, "k": ref.kind, "s": ref.step_id, "c": channel, "t": thread,
                        "m": clicked[1] if clicked else None}
            self.adapter.client.views_open(trigger_id=body["trigger_id"],
                                           view=self.render.step_modal(step, metadata))

    def submit_step(self, body: dict[str, Any]) -> Submission:
        """The step modal submitted: the core validates; its refusal goes back into the modal as field errors."""
        view, user = body["view"], body["user"]["id"]
        meta = decode_metadata(view.get("private_metadata"))
        ref = StepRef(int(meta["i"]), str(meta["k"]), str(meta["s"]))
        reply = self.ephemeral_reply(meta.get("c") or user, user, meta.get("t"))
        first = next((b["block_id"] for b in view.get("blocks") or [] if b.get("type") == "input"), "")
        try:
            actor = self.adapter.actor(user, body["user"].get("name", ""))
            if self.triage.queries.view(ref.incident_id, user).kind != ref.kind:
                return Submission({"response_action": "errors", "errors": {first: self.t("slack.step.stale")}})
            outcome = self.triage.steps.complete(ref.incident_id, ref.step_id, actor,
                                                 answers=submitted_values(view.get("state") or {}),
                                                 expected_kind=ref.kind)
            if outcome.duplicate:  # submitted again after a crash: finish the first submission's posts
                outcome = self.triage.steps.replay(ref.incident_id, ref.step_id, actor)
        except InvalidRequest as exc:
            return Submission({"response_action": "errors", "errors": field_errors(str(exc), view)})
        except Exception as exc:  # told inside the modal, which stays open with the answers
            return Submission({"response_action": "errors", "errors": {first: self._refusal(exc, ref.incident_id)}})

        at = (str(meta["c"]), str(meta["m"])) if meta.get("c") and meta.get("m") else None

        def then() -> None:
            self.later(reply, "step_submit", ref.incident_id, lambda: self.show_progress(outcome, actor, reply, at=at))
        return Submission({}, then)

    def show_progress(self, outcome: Outcome, actor: Actor, reply: Reply, at: tuple[str, str] | None = None) -> None:
        """After a step changed: the next step posted, the end announced, then the finished step's buttons
        replaced in place. In that order: until what follows is posted, the clicked step keeps its buttons, so
        after a crash the user can click again (the core answers "duplicate", StepRunner.replay says what to
        finish) instead of facing a thread with nothing left to click.
        """
        view = outcome.incident
        if view is None or (outcome.duplicate and outcome.completed_step is None):
            return
        log_event(logging.INFO, "slack.step", incident_id=view.id,
                  step=outcome.completed_step.step_id if outcome.completed_step else None,
                  status=outcome.completed_step.status if outcome.completed_step else None, finished=outcome.finished,
                  replay=outcome.duplicate)
        failures: list[str] = []
        followed = True
        if outcome.step is not None:
            following = outcome.step
            followed = self._attempt(failures, "step", view.id,
                                     lambda: self.delivery.post_step(view.id, view.kind, following)) is not None
        if outcome.messages and followed:
            purpose = FINISHED if outcome.finished else None
            followed = self._attempt(failures, "messages", view.id, lambda: self.delivery.post_in_thread(
                view.id, self.render.messages(outcome.messages), purpose=purpose)) is not None
        if outcome.completed_step is not None and followed:
            done = outcome.completed_step
            when = format_jst(self.adapter.now(), self.adapter.catalog.locale)
            self._attempt(failures, "step_update", view.id, lambda: self.delivery.update_step(
                view.id, view.kind, done.step_id, self.render.step_closed(done, actor.display_name, when), at=at))
        if failures:
            self._say(reply, self.plain(*dict.fromkeys(failures)), view.id)

    # -- kind correction -----------------------------------------------------------------------------------------
    def correct_kind(self, body: dict[str, Any], action: dict[str, Any]) -> None:
        """kind_select: switch playbooks; the old pending step is marked as no longer used, step 1 shown."""
        user, _, _, reply = self._action_context(body)
        incident_id = int(str(action.get("block_id", "")).split("|", 1)[1])
        kind = (action.get("selected_option") or {}).get("value", "")
        with self.guard(reply, "kind_select", incident_id):
            actor = self.adapter.actor(user, body["user"].get("name", ""))
            before = self.triage.queries.view(incident_id, user)
            old_step = self.triage.steps.current(incident_id, user)
            outcome = self.triage.incidents.correct_kind(incident_id, kind, actor)
            view = outcome.incident
            if view is None:
                return
            if outcome.duplicate:
                if view.restricted:  # chosen again after a crash: the redaction may not have happened (idempotent)
                    self.later(reply, "kind_select", incident_id, lambda: self._redact_notifications(view))
                return
            log_event(logging.INFO, "slack.kind_corrected", incident_id=incident_id, old=before.kind, new=view.kind)

            def deliver() -> None:
                assert view is not None
                if view.restricted and not before.restricted:  # first: the report text leaves the PR channel
                    self._redact_notifications(view)
                if old_step is not None:
                    self.delivery.update_step(incident_id, before.kind, old_step.step_id,
                                              self.render.step_superseded(old_step))
                self.delivery.post_in_thread(incident_id, self.render.messages(outcome.messages))
                if outcome.step is not None:
                    self.delivery.post_step(incident_id, view.kind, outcome.step, fresh=True)
            self.later(reply, "kind_select", incident_id, deliver)

    def _redact_notifications(self, view: IncidentView) -> None:
        """The incident became restricted: take the report text out of the messages already posted."""
        reporter = self.adapter.actor(view.reporter_id).display_name
        body = self.t("notify.body_restricted", reporter=reporter)
        self.delivery.rewrite_notifications(view.id, lambda blocks: self.render.redacted(blocks, body),
                                            text=escape(view.ref))

    # -- acknowledgement -----------------------------------------------------------------------------------------
    def acknowledge(self, body: dict[str, Any], action: dict[str, Any]) -> None:
        """acknowledge: the core checks PR membership; the PR message is updated and the reporter told."""
        user, channel, thread, reply = self._action_context(body)
        incident_id = int(action["value"])
        with self.guard(reply, "acknowledge", incident_id):
            actor = self.adapter.actor(user, body["user"].get("name", ""))
            outcome = self.triage.incidents.acknowledge(incident_id, actor)
            said: tuple[str, ...] = ()
            if outcome.duplicate or outcome.incident is None:
                said = outcome.messages or (self.t("slack.duplicate"),)
                # Clicked again (after a crash, or on a message posted meanwhile): finish the posts below.
                outcome = self.triage.incidents.replay_acknowledgement(incident_id, actor)
            message = body.get("message") or {}
            clicked = {(channel, message["ts"]): list(message.get("blocks") or [])} if message.get("ts") else {}
            final = outcome
            self.later(reply, "acknowledge", incident_id,
                       lambda: self._show_acknowledged(final, actor, reply, said, clicked))

    def _show_acknowledged(self, outcome: Outcome, actor: Actor, reply: Reply, said: tuple[str, ...],
                           clicked: dict[tuple[str, str], list[dict[str, Any]]]) -> None:
        """The reporter told in the thread (once), then the acknowledge buttons replaced by who and when."""
        view = outcome.incident
        if said:
            self._say(reply, self.plain(*said), view.id if view else None)
        if not outcome.messages or view is None:
            return
        incident_id = view.id
        log_event(logging.INFO, "slack.acknowledged", incident_id=incident_id, user=actor.user_id,
                  replay=outcome.duplicate)
        who = view.acknowledged_by or actor.display_name
        when = format_jst(view.acknowledged_at, self.adapter.catalog.locale)
        failures: list[str] = []
        # The reporter is told first, once (claimed); the buttons go only after that, so a crash in between
        # leaves a button to click again rather than a reporter never told.
        mentions = " ".join(user_mention(r) for r in view.reporters)
        told = self.t("slack.pr.reporter_told", mention=mentions, message=escape(" ".join(outcome.messages)))
        if self._attempt(failures, "ack_tell", incident_id, lambda: self.delivery.post_in_thread(
                incident_id, self.render.markup(told), purpose=ACK_TOLD)) is not None:
            self._attempt(failures, "ack_update", incident_id, lambda: self.delivery.rewrite_notifications(
                incident_id, lambda blocks: self.render.acknowledged(blocks, who, when),
                text=escape(outcome.messages[0] if outcome.messages else view.ref), known=clicked))
        if failures:
            self._say(reply, self.plain(*dict.fromkeys(failures)), incident_id)

    # -- timeline capture ------------------------------------------------------------------------------------------
    def capture(self, event: dict[str, Any]) -> None:
        """The capture reaction on a message in an incident thread: add it to the timeline once, confirm."""
        item = event.get("item") or {}
        if event.get("reaction") != self.settings.capture_reaction or item.get("type") != "message":
            return
        channel, ts, user = item.get("channel", ""), item.get("ts", ""), event.get("user", "")
        reply = self.ephemeral_reply(channel, user)
        with self.guard(reply, "capture"):
            message = self.delivery.fetch_message(channel, ts)
            if message is None:
                log_event(logging.INFO, "slack.capture_no_message", channel=channel)
                return
            incident_id = self.triage.queries.by_conversation(PLATFORM, channel, message.get("thread_ts") or ts)
            if incident_id is None:
                return  # not an incident thread: reactions elsewhere are none of the bot's business
            actor = self.adapter.actor(user)
            outcome = self.triage.incidents.add_note(
                incident_id, actor, slack_to_plain(message.get("text")), key=f"pin:{channel}:{ts}",
                at=ts_to_datetime(ts), link=self.delivery.permalink(channel, ts))
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
    errors: dict[str, str] = {}
    for line in (line for line in message.splitlines() if line.strip()):
        target = next((block for block, label in inputs if label and f"「{label}」" in line), None)
        target = target or next((block for block, label in inputs if label and label in line), None)
        target = target or (inputs[0][0] if inputs else "")
        errors[target] = f"{errors[target]}\n{line}" if target in errors else line
    return {block: text[:2000] for block, text in errors.items()}


def _ref(incident_id: int | None) -> str:
    return f"INC-{incident_id or 0:04d}"
