"""Reports from Slack: messages, mentions, the slash command and the shortcut -> ReportInput -> core -> plan."""

# Crash safety (docs/operations.md): the core runs before Slack's HTTP 200, the plan after it (the pacer). A
# redelivery (same event_id, trigger_id) finishes the plan without repeating a post; a report nobody will resend
# is finished by `resume`.

from __future__ import annotations

import json
import logging
import re
from collections.abc import Callable, Container
from dataclasses import dataclass, replace
from typing import Any, Literal

from slack_sdk.errors import SlackApiError
from sqlalchemy import Connection

from bot.adapters.slack.asking import render_ask, render_flareup, render_followup
from bot.adapters.slack.logs import log_event
from bot.adapters.slack.outbox import Handlers
from bot.adapters.slack.port import PLATFORM, is_dm
from bot.adapters.slack.render import FORM_TEXT_LIMIT, INPUT_ACTION, decode_metadata
from bot.adapters.slack.replies import Reply, Submission
from bot.adapters.slack.text import slack_id, slack_to_plain, strip_mentions_of, ts_to_datetime
from bot.adapters.slack.thread_advice import advise_earlier_repliers, advise_reply_once, restricted_by_reply
from bot.config import SlackSettings
from bot.delivery import asking, command_run, commands, flareup, followup_choice, form_report, plan, typed
from bot.delivery.content import Place, Posted
from bot.delivery.earlier_replies import moved_private
from bot.delivery.intake import AfterReport, after_report, report_source
from bot.delivery.ledger import Prepared
from bot.delivery.links import home_is_private
from bot.delivery.resume import resumed_origin
from bot.delivery.typed_ack import may_acknowledge
from bot.ports import Actor, AskIfReport, ConversationRef, Outcome, ReportInput
from bot.presenting import chances
from bot.triage.memos import Memos

Source = Literal["channel", "personal", "mention", "slash", "shortcut"]
FORM_MEMO = "slack-report-form:"  # + the trigger id: a text too long for the report form's field
USER_REF = re.compile(r"<@([UW][A-Z0-9_]+)(?:\|[^>]*)?>")  # a member picked in Slack's completion


@dataclass(frozen=True)
class Origin:
    """Where a report came from, where its thread may hang, and how to answer the sender privately."""

    source: Source
    channel: str
    user: str
    reply: Reply
    message_ts: str | None = None
    thread_ts: str | None = None
    own: bool = True  # the message is the reporter's (the shortcut may report someone else's)
    trigger: tuple[str, str | None] | None = None  # a slash command's trigger_id and response_url: it may open a form


def plain_channel_post(body: dict[str, Any], report_channels: Container[str]) -> str | None:
    """The plain text of a delivery that is only a person's top-level post in a report channel, or None.

    Only what `Reports.message_origin` takes as a "channel" report and the core would see as this text alone: no
    subtype (edits, file shares), no bot, no thread, no mention (mentions go through Bolt, whose context names the
    bot), no retry of anything else. The gate answers such a post at once when the core leaves it alone."""
    event = body.get("event")
    if body.get("type") != "event_callback" or not isinstance(event, dict) or event.get("type") != "message":
        return None
    text = event.get("text")
    if ("subtype" in event or event.get("bot_id") or not event.get("user") or "thread_ts" in event
            or event.get("channel_type") == "im" or event.get("channel") not in report_channels
            or not isinstance(text, str) or "<@" in text):
        return None
    return slack_to_plain(text.strip())  # as report_message reads it: strip_mentions_of strips


@dataclass(eq=False)  # handlers are compared and hashed by identity
class Reports(Handlers):
    """One method per way of reporting; each is safe to call from a listener."""

    settings: SlackSettings

    def message_origin(self, event: dict[str, Any]) -> Origin | None:
        """A report from a message event (bot/delivery/intake.py report_source); mentions come as app_mention."""
        if event.get("subtype") not in (None, "file_share") or event.get("bot_id") or not event.get("user"):
            return None
        return self._origin(event, mentioned=False)

    def mention_origin(self, event: dict[str, Any]) -> Origin | None:
        """A report by @mention outside report channels and DMs (there the message event already carries it)."""
        origin = self._origin(event, mentioned=True) if event.get("user") else None
        return origin if origin is not None and origin.source == "mention" else None

    def _origin(self, event: dict[str, Any], *, mentioned: bool) -> Origin | None:
        channel, ts, thread = event.get("channel", ""), event.get("ts"), event.get("thread_ts")
        source = report_source(
            personal=event.get("channel_type") == "im", report_channel=channel in self.settings.report_channels,
            top_level=thread in (None, ts), mentioned=mentioned,
            in_incident_thread=lambda: self.people.triage().queries.by_conversation(PLATFORM, channel, thread)
            is not None)
        if source is None:
            return None
        return Origin(source, channel, event["user"], self.replies.ephemeral(channel, event["user"], thread or ts),
                      message_ts=ts, thread_ts=thread)

    def advise_reply(self, event: dict[str, Any]) -> None:
        """A person's reply (not a report) in a thread: privacy advice when it is a restricted incident's public
        thread (bot/delivery/privacy.py), told only to the poster."""
        channel, ts, thread, user = event.get("channel", ""), event.get("ts"), event.get("thread_ts"), event.get("user")
        # 「チャンネルにも投稿する」 (thread_broadcast) shows the reply in the channel too: it is read all the more.
        if (event.get("subtype") not in (None, "file_share", "thread_broadcast") or event.get("bot_id") or not user
                or not thread or thread == ts or is_dm(channel)):
            return
        reply = self.replies.ephemeral(channel, user, thread)
        with self.replies.guard(reply, "public_reply"):
            if not restricted_by_reply(self, event, reply):  # else its personal data restricted the incident
                advise_reply_once(self, event, reply)

    def report_message(self, event: dict[str, Any], event_id: str | None, origin: Origin,
                       bot_user_id: str | None) -> None:
        """A message or mention event as a report (idempotent by event_id); in a DM or a mention, help or a command
        as Teams' chat reads it (bot/delivery/typed.py)."""
        raw = strip_mentions_of(event.get("text") or "", bot_user_id)
        files = event.get("files")
        conversation = ConversationRef(PLATFORM, origin.channel, origin.thread_ts or origin.message_ts)
        self.typed(raw, origin, event_id, addressed=origin.source in ("personal", "mention"), files=bool(files),
                   attachments=len(files) if isinstance(files, list) else 0, conversation=conversation,
                   private=origin.source == "personal" and origin.thread_ts in (None, origin.message_ts))

    def slash(self, command: dict[str, Any]) -> None:
        """The slash command: help, or the text as a report (idempotent by trigger_id)."""
        user, channel = command["user_id"], command["channel_id"]
        origin = Origin("slash", channel, user, self.replies.respond(command.get("response_url"),
                                                                     self.replies.ephemeral(channel, user)),
                        trigger=(command["trigger_id"], command.get("response_url")) if command.get("trigger_id")
                        else None)
        key = f"slash:{command.get('trigger_id') or command.get('command_ts', '')}"
        self.typed(command.get("text") or "", origin, key, strip=True)

    def typed(self, raw: str, origin: Origin, key: str | None, *, strip: bool = False, addressed: bool = True,
              files: bool = False, **report: Any) -> None:
        """Help, a command's usage, a command or a report, as bot/delivery/typed.py reads it."""
        shown = slack_to_plain(raw).strip() if strip else slack_to_plain(raw)
        # <@U…|name> → U… so that 「権限付与 3 @職員」 names the member picked in Slack's completion
        read = typed.read(slack_to_plain(USER_REF.sub(r"\1", raw)).strip(), self.render.t,
                          f"{self.settings.slash_command} ", shown=shown, addressed=addressed, files=files,
                          acknowledges=lambda: may_acknowledge(self.people.triage(), self.people.actor(origin.user)))
        if read.help:
            self.replies.say(origin.reply, self.replies.plain(self.render.t(
                "slack.help", command=self.settings.slash_command, reaction=self.settings.capture_reaction),
                self.render.t("commands.list", prefix=f"{self.settings.slash_command} ")))
        elif read.usage is not None:
            self.replies.say(origin.reply, self.replies.plain(read.usage))
        elif read.command is not None:
            self.run_command(read.command, origin)
        else:
            self.report(lambda actor: ReportInput(text=read.report, reporter=actor, idempotency_key=key,
                                                  force_new=read.new, **report), origin)

    def run_command(self, command: commands.Command, origin: Origin) -> None:
        """close / decline / grant / reopen / kind / status, run as on every platform (bot/delivery/command_run.py): its
        words to the sender privately, its plan delivered."""
        with self.replies.guard(origin.reply, f"command_{command.action}", command.incident_id):
            actor = self.people.actor(origin.user)
            # The grantee is looked up before the policy is taken, so a guest named there is known as one.
            grantee = self.people.grantee(command.user) if command.action == "grant" else None
            ran = command_run.run(self.people.triage(), actor, command, command_run.Platform(
                self.replies.refusals, lambda user: self.people.actor(user).display_name,
                lambda incident: home_is_private(self.outbox.runner.ledger, incident, is_dm),
                f"{self.settings.slash_command} ", private=is_dm(origin.channel)), lambda _typed: grantee)
            log_event(logging.INFO, "slack.command", action=command.action, incident_id=command.incident_id,
                      user=actor.user_id, refused=type(ran.refused).__name__ if ran.refused else None)
            if ran.said:
                self.replies.say(origin.reply, self.replies.plain(*ran.said), command.incident_id)
            if ran.plan is not None:
                self.outbox.deliver(origin.reply, ran.action, ran.plan)
            if command.incident_id is not None and moved_private(ran.plan):  # a kind corrected to a leak
                advise_earlier_repliers(self.replies.client, self.people.triage().queries, command.incident_id,
                                        self.render.t)

    def report(self, make_input: Callable[[Actor], ReportInput], origin: Origin) -> None:
        """Send a report to the core and show the outcome; a new incident's plan makes its claims in the core's
        transaction (one commit fewer), handed to the runner with the plan."""
        with self.replies.guard(origin.reply, "report"):
            actor = self.people.actor(origin.user)
            triage = self.people.triage()
            # A DM, a mention, the slash command and the shortcut are explicit intent: never dropped; the slash
            # command is a report by act (its question offers no 「報告ではない」).
            report = replace(make_input(actor), explicit=origin.source != "channel", by_act=origin.source == "slash")
            made: list[tuple[Outcome, AfterReport, Prepared | None]] = []

            def claim(connection: Connection, outcome: Outcome) -> None:
                if outcome.became_restricted:  # its plan reads the ledger, which waits for this transaction
                    return
                after = self.after(outcome, origin, actor)
                prepared = None if after.plan is None else self.outbox.runner.prepare(connection, after.plan)
                made[:] = [(outcome, after, prepared)]
            # A redelivery answers with the first outcome (duplicate): its plan finishes what a crash left unposted.
            outcome = triage.incidents.report(report, within=claim)
            if outcome.ask is not None and outcome.incident is None and self.ask_in_form(origin, report.text,
                                                                                           outcome.ask):
                return
            # Only what this outcome's transaction made (an attempt the core retried made its own, rolled back).
            if made and made[0][0] is outcome:
                self.show_report(outcome, origin, actor, made[0][1], made[0][2])
            else:
                self.show_report(outcome, origin, actor)

    def ask_in_form(self, origin: Origin, text: str, ask: AskIfReport) -> bool:
        """A slash report whose kind is asked: the shortcut's form with the text and the question, so the kind is
        picked there and nothing typed is retyped (the form holds it; submitted, it reports as the shortcut does).
        False when there is no form to open (no trigger, or Slack refused it): the plain words then."""
        if origin.trigger is None:
            return False
        trigger, response_url = origin.trigger
        metadata = {"c": origin.channel, "ts": None, "th": None, "k": trigger, "u": origin.user, "r": response_url,
                    **self._kept(trigger, text)}
        asked = f"{ask.question}　{chances(ask)}".strip()
        try:
            self.client.views_open(trigger_id=trigger, view=self.render.report_modal(text, None, metadata, asked))
        except SlackApiError as exc:  # an expired trigger (over 3 s): the words ask instead
            log_event(logging.WARNING, "slack.ask_form_failed", error=exc.response.get("error"))
            return False
        log_event(logging.INFO, "slack.ask", source=origin.source, choices=len(ask.choices), form=True)
        return True

    def neutral_origin(self, origin: Origin, actor: Actor) -> plan.Origin:
        """Where the report was made, as the plan sees it."""
        in_report_channel = origin.channel in self.settings.report_channels
        if origin.message_ts and (origin.source in ("channel", "personal", "mention")
                                  or (origin.source == "shortcut" and in_report_channel)):
            return plan.Origin("message", Place(origin.channel, origin.thread_ts or origin.message_ts), origin.user,
                               actor.display_name, public=origin.source != "personal", own=origin.own)
        return plan.Origin("command", Place(origin.channel), origin.user, actor.display_name,
                           public=in_report_channel, private=origin.user)

    def after(self, outcome: Outcome, origin: Origin, actor: Actor) -> AfterReport:
        """What follows the report, as bot/delivery/intake.py decides (a merge that restricted the incident asks
        for its first reporter's name and whether its conversation is a DM)."""
        return after_report(outcome, self.neutral_origin(origin, actor), answer=origin.source != "channel",
                            can_ask=bool(origin.message_ts), name_of=lambda user: self.people.actor(user).display_name,
                            home_is_private=lambda case: home_is_private(self.outbox.runner.ledger, case, is_dm))

    def show_report(self, outcome: Outcome, origin: Origin, actor: Actor, after: AfterReport | None = None,
                    prepared: Prepared | None = None) -> None:
        """Show a report's outcome (a new incident's plan runs once); `prepared`: its claims (see `report`)."""
        if outcome.followup_or_new is not None and origin.message_ts:  # news on her open incident, or new?
            self.replies.say(origin.reply, render_followup(outcome.followup_or_new, origin.channel, origin.message_ts))
            return
        after = after or self.after(outcome, origin, actor)
        if after.ask is not None and origin.message_ts:  # only the poster sees the question
            self.replies.say(origin.reply, render_ask(after.ask, origin.channel, origin.message_ts,
                                                      explicit=origin.source != "channel"))
            log_event(logging.INFO, "slack.ask", source=origin.source, choices=len(after.ask.choices))
        elif after.words:
            self.replies.say(origin.reply, self.replies.plain(*after.words))
        elif after.plan is not None and (view := outcome.incident) is not None:
            if after.choose is not None and origin.message_ts:  # reopen or new: only the reporter sees it
                self.replies.say(origin.reply, render_flareup(after.choose, origin.channel, origin.message_ts,
                                                              origin.thread_ts, explicit=origin.source != "channel"))
            log_event(logging.INFO, "slack.report", incident_id=view.id, source=origin.source,
                      created=outcome.created, merged=outcome.merged, kind=view.kind)
            self.outbox.deliver(origin.reply, "merged" if outcome.merged else "report", after.plan,
                                prepared=prepared)
            if moved_private(after.plan) and not outcome.duplicate:  # a merged leak report took the thread private
                advise_earlier_repliers(self.replies.client, self.people.triage().queries, view.id, self.render.t)

    def resume(self, outcome: Outcome) -> None:
        """A report a crash interrupted (bot/delivery/resume.py found it): its plan again where its conversation is."""
        view = outcome.incident
        assert view is not None
        reporter = slack_id(view.reporter_id)
        origin = resumed_origin(view, PLATFORM, self.people.actor(reporter).display_name, reporter,
                                private=is_dm)
        where = origin.place
        reply = (self.replies.ephemeral(where.channel, reporter, where.thread) if origin.how == "message"
                 else self.replies.dm(reporter))
        with self.replies.guard(reply, "resume", view.id, stored=True):
            self.outbox.deliver(reply, "report", plan.report(outcome, origin))

    # -- message shortcut --------------------------------------------------------------------------------------
    def open_report_modal(self, shortcut: dict[str, Any]) -> None:
        """The confirm modal of "インシデントとして報告", pre-filled with the message text and permalink."""
        user, channel = shortcut["user"]["id"], shortcut["channel"]["id"]
        message = shortcut.get("message") or {}
        reply = self.replies.respond(shortcut.get("response_url"), self.replies.dm(user))
        with self.replies.guard(reply, "shortcut"):
            actor = self.people.actor(user)  # users.info first: a guest is known as one to the policy below
            self.people.triage().roles.require_report(actor)  # an outsider is refused before typing into a form
            ts = message.get("ts") or shortcut.get("message_ts")
            permalink = self.outbox.port.permalink(Posted(channel, ts)) if ts else None
            metadata = {"c": channel, "ts": ts, "th": message.get("thread_ts"), "k": shortcut["trigger_id"],
                        "u": message.get("user"),
                        "r": shortcut.get("response_url"), "p": permalink}
            text = slack_to_plain(message.get("text"))
            metadata.update(self._kept(shortcut["trigger_id"], text))
            view = self.render.report_modal(text, permalink, metadata)
            self.client.views_open(trigger_id=shortcut["trigger_id"], view=view)

    def _kept(self, trigger: str, text: str) -> dict[str, Any]:
        """A text the form's field would cut, kept in the database until the form is submitted (metadata flag)."""
        if len(text) <= FORM_TEXT_LIMIT:
            return {}
        Memos(self.people.triage().deps).remember(FORM_MEMO + trigger, {"text": text})
        return {"m": 1}

    def submit_report(self, body: dict[str, Any]) -> Submission:
        """The shortcut's modal submitted: report (idempotent by the shortcut's trigger_id)."""
        view, user = body["view"], body["user"]["id"]
        meta = decode_metadata(view.get("private_metadata"))
        values = (view.get("state") or {}).get("values") or {}
        text = ((values.get("report_text") or {}).get(INPUT_ACTION) or {}).get("value") or ""
        if meta.get("m"):  # too long for the field: the whole text as kept when the form opened
            text = str((Memos(self.people.triage().deps).recall(FORM_MEMO + str(meta.get("k"))) or {}).get("text", ""))
            if not text:
                return Submission({"response_action": "errors",
                                   "errors": {"report_kind": self.render.t("slack.modal.report_text_lost")}})
        kind = (((values.get("report_kind") or {}).get(INPUT_ACTION) or {}).get("selected_option") or {}).get("value")
        reply = self.replies.respond(meta.get("r"), self.replies.dm(user))
        origin = Origin("shortcut", meta.get("c") or user, user, reply, message_ts=meta.get("ts"),
                        thread_ts=meta.get("th"), own=meta.get("u") == user)
        actor = self.people.actor(user, body["user"].get("name", ""))
        report = ReportInput(text=text, reporter=actor, kind_hint=kind,
                             idempotency_key=f"shortcut:{meta.get('k') or view.get('id')}")
        try:
            source = form_report.Source(f"shortcut-src:{meta.get('c')}:{meta['ts']}", ts_to_datetime(meta["ts"]),
                                        meta.get("p")) if meta.get("ts") else None  # the original message, once
            outcome = form_report.report(self.people.triage(), report, self.render.t("slack.modal.source_note"), source)
        except Exception as exc:  # told inside the modal, which stays open with the text
            return Submission({"response_action": "errors", "errors": {"report_text": self.replies.refusal(exc)}})
        if outcome.incident is None:
            return Submission({"response_action": "errors", "errors": {"report_text": " ".join(outcome.messages)}})
        return Submission({}, lambda: self.show_report(outcome, origin, actor))

    # -- the private questions' buttons: 「インシデントとして報告しますか？」 (asking.py) and, for a resolved incident's
    # post reported again, reopen it or report a new one (bot/delivery/flareup.py) --------------------------------
    def answer(self, body: dict[str, Any], action: dict[str, Any]) -> None:
        """A button of the question: the original message is reported with that kind, or labelled as not one."""
        self._answered(body, action, flare=False)

    def choose(self, body: dict[str, Any], action: dict[str, Any]) -> None:
        """A button of the reopen-or-new question: the core decides who may reopen; 「新規」 reads the text back."""
        self._answered(body, action, flare=True)

    def _answered(self, body: dict[str, Any], action: dict[str, Any], *, flare: bool) -> None:
        """The asked-about message (read back, so long texts lose nothing) to the core with the button's answer."""
        user, value = body["user"]["id"], json.loads(action.get("value") or "{}")
        channel, ts, thread = str(value.get("c") or ""), str(value.get("t") or ""), value.get("h") or None
        choice, incident_id, explicit = value.get("k"), value.get("i"), bool(value.get("x"))
        reply = self.replies.respond(body.get("response_url"), self.replies.ephemeral(channel, user, thread or ts))
        with self.replies.guard(reply, "flareup_answer" if flare else "ask_answer", incident_id):
            if flare and value.get("f"):  # follow-up or new (bot/delivery/followup_choice.py)
                self._followup_or_new(body, reply, value)
                return
            if flare and (not flareup.is_choice(choice) or not isinstance(incident_id, int)):
                raise ValueError("flareup button value")
            reopen = flare and choice == flareup.REOPEN
            text = "" if reopen else self._read_back(reply, channel, ts)
            if text is None:
                return
            actor, triage = self.people.actor(user, body["user"].get("name", "")), self.people.triage()
            outcome = flareup.answer(triage, actor, PLATFORM, choice=choice, incident_id=incident_id, text=text,
                                     channel=channel, ts=ts, thread=thread, explicit=explicit) if flare else \
                asking.answer(triage, actor, PLATFORM, text=text, channel=channel, ts=ts, kind=choice or None,
                              explicit=explicit)
            if outcome.incident is None or reopen:
                if reopen and channel:  # reopened from the reporter's own choice: its buttons go
                    reply = self.replies.respond(body.get("response_url"), reply, replace=True)
                self.replies.say(reply, self.replies.plain(*outcome.messages), incident_id)
                if flare and (told := plan.notices(outcome, actor.user_id)).incident_id is not None:
                    self.outbox.deliver(reply, "status_notice", told)  # a reopen tells PR who reopened it
                return
            self.show_report(outcome, Origin("personal" if is_dm(channel) else "channel", channel, user, reply,
                                             message_ts=ts, thread_ts=thread), actor)

    def _followup_or_new(self, body: dict[str, Any], reply: Reply, value: dict[str, Any]) -> None:
        """A button of the follow-up-or-new question: the DM's message read back, then recorded or reported."""
        channel, ts, choice, incident_id = str(value.get("c") or ""), str(value.get("t") or ""), value.get("k"), \
            value.get("i")
        if not followup_choice.is_choice(choice) or not isinstance(incident_id, int):
            raise ValueError("followup_or_new button value")
        if (text := self._read_back(reply, channel, ts)) is None:
            return
        actor = self.people.actor(body["user"]["id"], body["user"].get("name", ""))
        outcome = followup_choice.answer(self.people.triage(), actor, PLATFORM, choice=str(choice),
                                         incident_id=incident_id, text=text, channel=channel, ts=ts)
        if outcome.incident is None and outcome.ask is None:  # neither: the answer takes the buttons' place
            reply = self.replies.respond(body.get("response_url"), reply, replace=True)
            self.replies.say(reply, self.replies.plain(*outcome.messages), incident_id)
            return
        self.show_report(outcome, Origin("personal", channel, body["user"]["id"], reply, message_ts=ts), actor)

    def _read_back(self, reply: Reply, channel: str, ts: str) -> str | None:
        """The asked-about message as the user wrote it (read back, so long texts lose nothing); gone: said so."""
        response = self.client.conversations_history(channel=channel, latest=ts, inclusive=True, limit=1)
        for message in response.get("messages") or []:
            if message.get("ts") == ts:
                return slack_to_plain(message.get("text") or "")
        self.replies.say(reply, self.replies.plain(self.render.t("slack.ask_gone")))
        return None
