"""Reports from Teams messages and from the private question's answers: the core call, then its delivery plan."""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from typing import Any

from microsoft_agents.activity import Activity
from microsoft_agents.hosting.core import TurnContext

from bot.adapters.teams.asking import answered_card, ask_followup, ask_privately, offer_privately
from bot.adapters.teams.connector import conversation_key, is_personal, split_conversation
from bot.adapters.teams.payloads import ActionResult, channel_data, incident_of, value_of
from bot.adapters.teams.people import People, is_typed_id, user_id
from bot.adapters.teams.port import PLATFORM
from bot.adapters.teams.replies import Replies, off_loop
from bot.adapters.teams.settings import TeamsSettings
from bot.adapters.teams.text import AT_TAG, attached, message_text, without_typed_name
from bot.clock import format_jst
from bot.delivery import asking, command_run, commands, controls, flareup, followup_choice, plan, privacy, resume, typed
from bot.delivery.content import Place, Texts
from bot.delivery.earlier_replies import advise_noted_repliers, moved_private, note_replier
from bot.delivery.edits import record_reply, reply_plan
from bot.delivery.intake import Source, after_report, report_source
from bot.delivery.links import home_is_private
from bot.delivery.typed_ack import may_acknowledge
from bot.ports import Actor, ConversationRef, Outcome, ReportInput
from bot.triage.core import incident_ref
from bot.triage.sanitize import storable
from bot.triage.short_input import fold

log = logging.getLogger("incident_bot.teams")


@dataclass(frozen=True)
class Origin:
    """Where a report came from: the conversation (and thread root in a channel), the message, the sender."""

    source: Source
    conversation: str
    root: str | None
    activity_id: str
    mentioned: bool
    user: str  # the namespaced user id
    own: bool = True  # the message is the sender's (a message action may report someone else's)

    @property
    def thread(self) -> str:
        return self.root or self.activity_id

    def neutral(self, actor: Actor) -> plan.Origin:
        """Where the report was made, as the plan sees it (a personal chat is private, the rest public)."""
        return plan.Origin("message", Place(self.conversation, self.thread), self.user, actor.display_name,
                           public=self.source != "personal", own=self.own)


def carried_origin(data: Any, user: str) -> Origin:
    """Where the message a private question's button is about was posted, as its card carries it (asking.py)."""
    source, root = str(value_of(data, "s") or "channel"), value_of(data, "r") or None
    return Origin(source if source in ("channel", "personal", "mention") else "channel",  # type: ignore[arg-type]
                  str(value_of(data, "c") or ""), str(root) if root else None, str(value_of(data, "t") or ""), False,
                  user)


def bot_names(activity: Activity) -> tuple[str, ...]:
    """The names the bot was @mentioned by in this activity."""
    bot_id = activity.recipient.id if activity.recipient else None
    names: list[str] = []
    for mention in activity.get_mentions():
        if not mention.mentioned or not bot_id or mention.mentioned.id != bot_id:
            continue
        inner = AT_TAG.search(mention.text or "")
        names += [n for n in (inner.group(1) if inner else None, mention.mentioned.name) if n]
    return tuple(names)


@dataclass(frozen=True)
class Reports:
    """Message activities as reports, the question's answers, and resuming reports a crash interrupted."""

    people: People
    replies: Replies
    settings: TeamsSettings

    def origin(self, activity: Activity) -> Origin | None:
        """Whether a message is a report, and where: personal chats, report channels' new posts, @mentions."""
        sender, bot = activity.from_property, activity.recipient
        if sender is None or not sender.id or sender.role == "bot" or (bot is not None and sender.id == bot.id):
            return None
        conversation = activity.conversation
        base, root = split_conversation(conversation.id)
        kind = conversation.conversation_type or ("groupChat" if conversation.is_group else "personal")
        activity_id = str(activity.id or "")
        channel = kind == "channel"
        root = (root or activity_id) if channel else None  # chats have no threads
        mentioned = bool(bot_names(activity))
        source = report_source(
            personal=kind == "personal", top_level=root in (None, activity_id), mentioned=mentioned,
            report_channel=channel and bool({channel_data(activity, "channel", "id"), base}
                                            & set(self.settings.report_channels)),
            in_incident_thread=lambda: self.people.core.base.queries.by_conversation(PLATFORM, base, root)
            is not None)
        if source is None and mentioned and self.is_command(self.text(activity)):
            source = "mention"  # 「@bot 終結 1」 in an incident's thread: a command for the bot, not the thread's talk
        return None if source is None else Origin(source, base, root, activity_id, mentioned, user_id(sender))

    def text(self, activity: Activity) -> str:
        """The message as plain text: mentions of the bot removed, and the bot's name typed before the words."""
        text = message_text(activity.text, bot_names(activity))
        return without_typed_name(text, activity.recipient.name if activity.recipient else None)

    def is_command(self, text: str) -> bool:
        """Whether a text is help or a command other than 「新規」 (a new report belongs in its own thread)."""
        return typed.read(text, self.replies.t).for_bot

    async def on_message(self, context: TurnContext, key: str | None = None) -> None:
        """A message: help, or a report (idempotent by the activity id and conversation, or `key`: an edit's)."""
        activity = context.activity
        if activity.value is not None and not activity.text:
            return  # a card's submit whose verb is not ours (an old card, another app's data)
        try:
            origin = await off_loop(self.origin, activity)
        except Exception as exc:  # noqa: BLE001 - the database could not say whether this is an incident's thread
            log.error("teams.origin_failed error=%s", type(exc).__name__)
            return
        if origin is None:
            leaked = await off_loop(self.advise_reply, activity)
            if leaked is not None:  # a reply whose personal data restricted the incident: its plan
                await self.replies.deliver(leaked, user_id(activity.from_property), "public_reply")
            return
        await self.people.observe(context)  # a report's sender: guests and other tenants (roster.py)
        self.people.learn(activity)
        text = self.text(activity)
        files = attached(activity.attachments)
        read = typed.read(text, self.replies.t, addressed=origin.source != "channel" or origin.mentioned,
                          files=bool(files),  # a command or help is meant for the bot, not a report
                          acknowledges=lambda: may_acknowledge(
                              *reversed(self.people.who(activity.from_property))))
        if read.help:
            await self.replies.reply(context, self.replies.t("teams.help"), self.replies.t("commands.list", prefix=""))
            return
        if read.command is not None:
            await self.command(context, origin, read.command)
            return
        if read.usage is not None:
            await self.say(context, origin, read.usage)
            return
        try:
            actor, triage = self.people.who(activity.from_property)
            key = key or f"teams:{activity.id}@{conversation_key(origin.conversation)}"
            report = ReportInput(text=read.report, reporter=actor, idempotency_key=key,
                                 conversation=ConversationRef(PLATFORM, origin.conversation, origin.thread),
                                 explicit=origin.source != "channel" or origin.mentioned, force_new=read.new,
                                 by_act=read.new, attachments=files, private=origin.source == "personal")
            # Redelivered (a crash before the answer): the first outcome again, and its plan finishes the posts.
            await self.show(await off_loop(triage.incidents.report, report), origin, actor, text, context)
        except Exception as exc:  # noqa: BLE001 - told to the sender, privately when the place is public
            await self.replies.refuse(context, origin.user, exc, "report", here=origin.source == "personal")

    def advise_reply(self, activity: Activity) -> plan.Plan | None:
        """A person's reply (not a report) in a channel thread: when it is a restricted incident's public thread
        (bot/delivery/privacy.py), told in their personal chat (Teams has no private notes), once per reply; when
        it exposes personal data in an ordinary incident's, the incident restricted and the plan returned."""
        sender, conversation = activity.from_property, activity.conversation
        if sender is None or not sender.id or sender.role == "bot" or conversation is None or not activity.id:
            return None
        base, root = split_conversation(conversation.id)
        if conversation.conversation_type != "channel" or root in (None, activity.id):
            return None
        try:
            queries = self.people.core.base.queries
            leaked = self.reply_leaked(activity, base, str(root))
            if leaked is not None:
                return leaked
            view = privacy.public_reply_incident(queries, PLATFORM, base, str(root))
            if view is None:  # an open incident's reply: noted, in case its kind is corrected to a leak later
                self.people.learn(activity)
                note_replier(queries, self.replies.runner.ledger, PLATFORM, base, str(root), user_id(sender),
                             str(activity.id))
                self.mention_hint(activity, base, str(root))
                return None
            self.people.learn(activity)  # the sender's Teams id, to create a personal chat they may not have yet
            user, words = user_id(sender), self.replies.t("delivery.public_reply_advice", ref=view.ref)
            # Once per reply (a redelivery, a second instance: nothing), through the ledger as every post.
            advised = self.replies.runner.post_once(view.id, privacy.reply_purpose(str(activity.id)), Place(user),
                                                    Texts((words,)), plan.Plan(view.id, (), view.severity, ""))
            log.info("teams.public_reply incident_id=%s user=%s advised=%s", view.id, user, advised is not None)
        except Exception as exc:  # noqa: BLE001 - nobody to tell but the log (the reply is not the bot's)
            log.error("teams.public_reply_failed error=%s", getattr(exc, "code", type(exc).__name__))
        return None

    def mention_hint(self, activity: Activity, base: str, root: str) -> None:
        """The bot @mentioned in an incident's thread (or its notice's) with no command: silence read as taken
        (「@bot 種別はデマでした」, PR's 「@bot 確認しました」), so the sender is told privately, once, what does it."""
        queries = self.people.core.base.queries
        if not bot_names(activity) or (incident_id := queries.by_conversation(PLATFORM, base, root)) is None:
            return
        user, view = user_id(activity.from_property), queries.view(incident_id, None)
        words = self.replies.t("teams.thread_mention", ref=view.ref)
        self.replies.runner.post_once(view.id, f"thread_mention:{activity.id}", Place(user), Texts((words,)),
                                      plan.Plan(view.id, (), view.severity, ""))

    def reply_leaked(self, activity: Activity, base: str, root: str) -> plan.Plan | None:
        """A reply exposing personal data in an open ordinary incident's thread (bot/delivery/edits.py record_reply):
        the replier told so in their personal chat (once), and the plan that redacts, moves and advises."""
        actor, triage = self.people.who(activity.from_property)
        replied = record_reply(triage, PLATFORM, base, root, str(activity.id), actor, self.text(activity))
        if replied is None:
            return None
        self.people.learn(activity)  # the replier's Teams id, to open a personal chat they may not have yet
        if replied.told:  # None on a redelivery: told once
            self.replies.tell(actor.user_id, replied.told)
        return reply_plan(replied, Place(base, root), actor.user_id, self.replies.runner, self.people.name_of)

    async def command(self, context: TurnContext, origin: Origin, command: commands.Command) -> None:
        """close / decline / grant / reopen / kind / status, run as on every platform (bot/delivery/command_run.py): its
        words to the sender privately, its plan delivered."""
        activity = context.activity
        # People only: a tag or a channel picked from the @ list has an id too, but names nobody to grant to.
        picked = [m.mentioned for m in activity.get_mentions() if m.mentioned and m.mentioned.id
                  and (activity.recipient is None or m.mentioned.id != activity.recipient.id)
                  and (m.mentioned.aad_object_id or is_typed_id(m.mentioned.id))]
        others = [user_id(account) for account in picked]
        # The mention carries the name Teams shows: the grant is confirmed under it, not under the id.
        names = {user_id(account): account.name for account in picked if account.name}
        try:
            actor, triage = self.people.who(activity.from_property)
            # 「権限付与 3 @佐藤 一郎」: the @mention picked (its AAD object id if given), else an id as typed; a name
            # typed with no @mention picked (「佐藤 一郎」) names nobody (None), which would grant the role to nobody.
            person = (lambda typed: others[0]) if len(others) == 1 else (
                lambda typed: commands.user_id(actor, typed) if others or is_typed_id(fold(typed)) else None)
            where = command_run.Platform(
                self.replies.refusals, lambda user: names.get(user) or self.people.name_of(user),
                lambda incident: home_is_private(self.replies.runner.ledger, incident, is_personal),
                private=origin.source == "personal")
            ran = await off_loop(command_run.run, triage, actor, command, where, person)
            log.info("teams.command action=%s incident_id=%s user=%s refused=%s", command.action,
                     command.incident_id, actor.user_id, type(ran.refused).__name__ if ran.refused else None)
            if ran.refused is not None:
                await self.replies.tell_refusal(context, origin.user, ran.refused, "\n".join(ran.said),
                                                here=origin.source == "personal")
                return
            await self.say(context, origin, *ran.said)
            if ran.plan is not None:
                await self.replies.deliver(ran.plan, actor.user_id, ran.action)
                if command.incident_id is not None and moved_private(ran.plan):  # corrected to a leak
                    await off_loop(advise_noted_repliers, self.replies.runner, PLATFORM, command.incident_id,
                                   self.replies.t)
        except Exception as exc:  # noqa: BLE001 - told to the sender, privately when the place is public
            await self.replies.refuse(context, origin.user, exc, f"command_{command.action}", command.incident_id,
                                      here=origin.source == "personal")

    async def say(self, context: TurnContext, origin: Origin, *texts: str) -> None:
        """Words for the sender: in the personal chat, or privately when the message was in a shared place."""
        if origin.source == "personal":
            await self.replies.reply(context, *texts)
        else:
            await off_loop(self.replies.tell, origin.user, *texts)

    async def show(self, outcome: Outcome, origin: Origin, actor: Actor, text: str,
                   context: TurnContext | None = None) -> None:
        """What follows the report (bot/delivery/intake.py): the private question, the core's words, or the plan
        (a new incident's posts once: claimed, so a retry or resume skips them); a merge that restricted the
        incident reads its first reporter's name and whether its conversation is a personal chat, off the loop."""
        after = await off_loop(lambda: after_report(
            outcome, origin.neutral(actor), answer=origin.source != "channel", name_of=self.people.name_of,
            home_is_private=lambda case: home_is_private(self.replies.runner.ledger, case, is_personal)))
        if outcome.followup_or_new is not None:  # her next message in her chat: news on her open incident, or new?
            await ask_followup(self.replies, outcome.followup_or_new, origin, text, context)
        elif after.ask is not None:
            await ask_privately(self.replies, after.ask, origin, text, context)  # only the poster sees it
        elif after.words and context is not None and origin.source == "personal":
            await self.replies.reply(context, *after.words)
        elif after.words:
            await off_loop(self.replies.tell, origin.user, *after.words)
        elif after.plan is not None and outcome.incident is not None:
            if after.choose is not None:  # reopen or new: only the reporter sees it
                await offer_privately(self.replies, after.choose, origin, text, context)
            log.info("teams.report incident_id=%s source=%s created=%s merged=%s kind=%s", outcome.incident.id,
                     origin.source, outcome.created, outcome.merged, outcome.incident.kind)
            await self.replies.deliver(after.plan, origin.user, "merged" if outcome.merged else "report")
            if moved_private(after.plan) and not outcome.duplicate:  # a merge or follow-up restricted it
                await off_loop(advise_noted_repliers, self.replies.runner, PLATFORM, outcome.incident.id,
                               self.replies.t)

    async def answer(self, activity: Activity, data: Any) -> ActionResult:
        """A button of the question: the original message reported with that kind, or labelled as not one."""
        return await self._answered(activity, data, flare=False)

    async def choose(self, activity: Activity, data: Any) -> ActionResult:
        """A button of the reopen-or-new card, or the reopen button of PR's 【再燃】 card (no message of its own):
        the core decides who may reopen; 「新規」 reports the carried text."""
        return await self._answered(activity, data, flare=True)

    async def _answered(self, activity: Activity, data: Any, *, flare: bool) -> ActionResult:
        """The carried message to the core with the button's answer; the card answered, its buttons gone."""
        where, text = carried_origin(data, ""), storable(str(value_of(data, "q") or ""))
        choice, incident_id, explicit = value_of(data, "k"), incident_of(data), bool(value_of(data, "x"))
        reopen = flare and choice == flareup.REOPEN  # PR's card has no message of its own
        if not (reopen or (where.conversation and where.activity_id and text)) or (flare and (
                not flareup.is_choice(choice) or incident_id is None)):
            return ActionResult(text=self.replies.t("teams.error.bad_action"))
        actor, triage = self.people.who(activity.from_property)
        outcome = await off_loop(lambda: flareup.answer(
            triage, actor, PLATFORM, choice=str(choice), incident_id=incident_id or 0, text=text,
            channel=conversation_key(where.conversation), ts=where.activity_id, explicit=explicit,  # a key: short
            conversation=ConversationRef(PLATFORM, where.conversation, where.thread)) if flare else
            asking.answer(triage, actor, PLATFORM, text=text, channel=where.conversation, ts=where.activity_id,
                          kind=choice or None, explicit=explicit, thread=where.root))
        said = " ".join(outcome.messages) or self.replies.t("teams.received")
        if flare and (told := plan.notices(outcome, actor.user_id)).incident_id is not None:
            await self.replies.deliver(told, actor.user_id, "status_notice")  # a reopen tells PR who reopened it
        if outcome.incident is not None and not reopen:
            await self.show(outcome, replace(where, user=actor.user_id), actor, text)
        if not flare:
            return ActionResult(card=answered_card(self.replies.t("report.ask"), said), text=said)
        if where.conversation:  # the reporter's own card: answered, its buttons gone (PR's card is redrawn by the plan)
            picked = (self.replies.t("report.reopen_choice", ref=incident_ref(incident_id or 0)) if reopen
                      else self.replies.t("report.new_choice"))
            return ActionResult(card=answered_card(picked, said), text=said)
        return ActionResult(text=said)

    async def followup_or_new(self, activity: Activity, data: Any) -> ActionResult:
        """A button of the follow-up-or-new card: the carried message recorded on her incident, reported anew, or
        neither (bot/delivery/followup_choice.py refuses anyone but her); the card answered, its buttons gone."""
        where, text = carried_origin(data, ""), storable(str(value_of(data, "q") or ""))
        choice, incident_id = value_of(data, "k"), incident_of(data)
        if not (where.conversation and where.activity_id and text and followup_choice.is_choice(choice)
                and incident_id is not None):
            return ActionResult(text=self.replies.t("teams.error.bad_action"))
        actor, triage = self.people.who(activity.from_property)
        outcome = await off_loop(lambda: followup_choice.answer(
            triage, actor, PLATFORM, choice=str(choice), incident_id=incident_id, text=text,
            channel=conversation_key(where.conversation), ts=where.activity_id,  # a chat id is longer than a key
            conversation=ConversationRef(PLATFORM, where.conversation, where.activity_id)))
        said = " ".join(outcome.messages) or self.replies.t("teams.received")
        if outcome.incident is not None:
            await self.show(outcome, replace(where, user=actor.user_id), actor, text)
        picked = {followup_choice.FOLLOWUP: self.replies.t("report.followup_choice", ref=incident_ref(incident_id)),
                  followup_choice.NEW: self.replies.t("report.new_report_choice")}.get(
            str(choice), self.replies.t("report.neither_choice"))
        return ActionResult(card=answered_card(picked, said), text=said)

    def resume(self) -> int:
        """For the scheduler: the plan again for reports and acknowledgements whose posts a crash interrupted (Teams
        redelivers nothing that got its answer); the ledger knows what was posted, only the rest goes out. Returns
        how many."""

        def show(outcome: Outcome) -> None:
            view = outcome.incident
            assert view is not None
            origin = resume.resumed_origin(view, PLATFORM, self.people.name_of(view.reporter_id), view.reporter_id,
                                           private=is_personal)
            result = self.replies.runner.run(plan.report(outcome, origin))
            if result.failures:
                log.warning("teams.resume_failures incident_id=%s errors=%s", view.id, ",".join(result.failures))

        def told(incident_id: int, user: str) -> None:
            # The acknowledgement on record is the acknowledger's standing: a PR member configured by Teams user id
            # is not known to a restarted bot under the AAD object id it stored until they write again.
            outsiders, unverified = self.people.roster.snapshot()
            triage = self.people.core.get(user=user, pr_members=[user], outsiders=outsiders, unverified=unverified)
            after = controls.acknowledge(triage, incident_id, Actor(user, self.people.name_of(user), PLATFORM),
                                         lambda at: format_jst(at, self.replies.render.catalog.locale))
            result = self.replies.runner.run(after.plan) if after.plan is not None else None
            if result is not None and result.failures:
                log.warning("teams.resume_failures incident_id=%s errors=%s", incident_id, ",".join(result.failures))

        base = self.people.core.base
        return resume.resume_all(base, PLATFORM, base.deps.clock.now(), show=show, tell=told,
                                 name_of=self.people.name_of, run=self.replies.runner.run, private=is_personal)
