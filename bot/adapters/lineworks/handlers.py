"""Translation between LINE WORKS callbacks and the core: event -> neutral input -> core call -> delivery plan.

Crash safety: LINE WORKS never resends a callback, so `handle` makes every core change (stored with its
timeline event, idempotent by the callback's key) before the endpoint answers 200; what members see is
planned by bot/delivery/plan.py and run afterwards by the pacer. A storage failure propagates (HTTP 500,
logged, and the member is told); a refusal by the core is told to the member in their 1:1 chat.

LINE WORKS has no threads: every incident's conversation is the reporter's 1:1 chat with the bot, so each
report is planned as one whose conversation opens privately (plan.Origin "command", not public).
No business rule lives here: who may do what, merging, transitions and validation are the core's.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from typing import TYPE_CHECKING

from sqlalchemy.exc import SQLAlchemyError

from bot import identity
from bot.adapters.lineworks import postback as pb
from bot.adapters.lineworks.acks import acknowledge_typed
from bot.adapters.lineworks.callbacks import (
    TEXT_LIMIT,
    CallbackEvent,
    Membership,
    PostbackPress,
    TextMessage,
    Unreadable,
)
from bot.adapters.lineworks.inputs import Inputs
from bot.adapters.lineworks.review import Reviews
from bot.adapters.lineworks.target import PLATFORM, Target, member_id
from bot.delivery import command_run, commands, controls, plan, typed
from bot.delivery.content import Place
from bot.delivery.intake import after_report
from bot.delivery.ops import Post
from bot.delivery.refusals import Refusals
from bot.delivery.resume import resume_all
from bot.ports import Actor, IncidentView, Outcome, ReportInput
from bot.presenting import failure_text, is_help, shorten
from bot.triage.core import StorageUnavailable
from bot.triage.report_messages import FOLLOWUP_HERE
from bot.triage.short_input import fold

if TYPE_CHECKING:
    from bot.adapters.lineworks.app import LineWorksAdapter

log = logging.getLogger("incident_bot.lineworks")
ENDING = ("close", "decline")  # commands after which an incident offers nothing more
SLASH_COMMAND = "/incident"  # Slack's slash command (its default), typed in LINE WORKS by staff who use both


class Handlers:
    """One method per kind of callback; `handle` is the endpoint's handler."""

    def __init__(self, adapter: LineWorksAdapter) -> None:
        self.adapter = adapter
        self.render = adapter.render
        self.inputs = Inputs(self)
        self.reviews = Reviews(self)
        # Every incident's conversation lives in its reporter's 1:1 chat already (no threads).
        self.platform = command_run.Platform(Refusals(adapter.render.catalog, PLATFORM),
                                             lambda user: adapter.actor(user).display_name, lambda _: True)

    @property
    def triage(self):  # noqa: ANN201 - the adapter's core (PR members from the lineworks: block)
        return self.adapter.triage

    def handle(self, event: CallbackEvent) -> None:
        """Store what the event changes (then the endpoint answers 200); see the module docstring."""
        user = event.source.user_id if isinstance(event, (TextMessage, PostbackPress)) else None
        try:
            if isinstance(event, TextMessage):
                self.text(event)
            elif isinstance(event, PostbackPress):
                self.press(event)
            elif isinstance(event, Membership) and event.type == "leave":
                self.left(event.channel_id)
            elif isinstance(event, Unreadable) and event.source.direct and event.source.user_id:
                # Silence in a 1:1 chat reads as a bot that is down; a room's sticker is chatter.
                self.adapter.tell(event.source.user_id, self.render.messages([self.render.w("unreadable")]))
            else:
                log.info("lineworks.ignored type=%s", getattr(event, "type", "?"))
        except Exception as exc:
            said = failure_text(exc, self.adapter.render.catalog, getattr(getattr(event, "data", None),
                                                                           "incident_id", None))
            if user is not None and said is not None:
                self.adapter.tell(user, self.render.messages([said]))
            if said is None or isinstance(exc, (StorageUnavailable, SQLAlchemyError)):
                raise  # not stored: the endpoint answers 500 and logs it
            log.info("lineworks.refused error=%s", type(exc).__name__)

    def left(self, channel: str) -> None:
        """The bot was removed from a room: one the lineworks: block names gets nothing more until it is invited back,
        so the operator is warned (LINE WORKS sends no other sign; each failed post is recorded on its incident)."""
        settings = self.adapter.settings
        roles = [name for name, room in (("pr_channel", settings.pr_channel),
                                         ("restricted_channel", settings.restricted_channel),
                                         ("summary_channel", settings.summary_channel)) if room == channel]
        roles += ["report_channels"] if channel in settings.report_channels else []
        if roles:
            log.warning("lineworks.left channel=%s as=%s: invite the bot back to the room", channel, ",".join(roles))
        else:
            log.info("lineworks.left channel=%s", channel)

    # -- reports -------------------------------------------------------------------------------------------
    def text(self, event: TextMessage) -> None:
        """A 1:1 message (help, the answer to a pending field, or a report) or a report room's message."""
        source = event.source
        assert source.user_id is not None
        if not source.direct and source.channel_id not in self.adapter.settings.report_channels:
            # Other rooms (the PR room) are conversation, not reports; a PR member's 「確認 INC-0001」 acknowledges.
            acknowledge_typed(self, source.user_id, event.text, private=False)
            return
        if event.too_long:  # more than the core keeps: the member splits it (nothing clipped, nothing dropped)
            self.adapter.tell(source.user_id, self.render.messages([self.render.w(
                "too_long", length=f"{event.too_long:,}", limit=f"{TEXT_LIMIT:,}")]))
            return
        if not event.attachments and acknowledge_typed(self, source.user_id, event.text, private=source.direct):
            return
        if source.direct:
            if event.attachments:  # a file is never help or a field's answer: it goes on as a report, unless a
                if self.inputs.attachment_for_field(source.user_id):  # field awaits (the screenshot's 保存先)
                    return
            elif is_help(event.text):
                self.help(source.user_id)
                return
            elif self.inputs.answered(event.key):  # the same callback again: its answer was taken (walk s21 #2)
                self.adapter.tell(source.user_id, self.render.duplicate())
                return
            elif self.inputs.answer_text(source.user_id, event.text) \
                    or self.reviews.answer_text(source.user_id, event.text):
                self.inputs.mark_answered(event.key)
                return
        elif not event.attachments and self.room_command(source.user_id, event.text):
            return
        # 終結 / 対象外 / 権限付与 / 再開 / 新規 typed in the 1:1 chat, as on Slack and Teams: never a report.
        read = self.typed_command(event.text) if source.direct and not event.attachments else None
        if isinstance(read, commands.Usage):
            self.adapter.tell(source.user_id, self.render.messages([read.text]))
            return
        if isinstance(read, commands.Command) and read.action != "new":
            self.command(source.user_id, read)
            return
        actor = self.adapter.actor(source.user_id)
        # A 1:1 message is explicit intent (never dropped); a report room's message may be chatter.
        report = ReportInput(text=read.text if read else event.text, reporter=actor, idempotency_key=event.key,
                             conversation=source.reply_to.conversation(), explicit=source.direct,
                             attachments=event.attachments, force_new=read is not None, by_act=read is not None,
                             private=source.direct)  # her next 1:1 message: news on her open incident, or new?
        # The same callback again answers with the first outcome: its plan finishes what a crash left unposted.
        self.show_report(self.triage.incidents.report(report), report)

    def room_command(self, user: str, text: str) -> bool:
        """A report room's 「INC-0001 の状況は？」「INC-0001 終結」「状況＃１」: read as Slack and Teams read a report
        channel's post (bot/delivery/typed.py), run or refused in the sender's 1:1 talk (a restricted incident's
        standing only when asked there); False for anything else (a report, or chatter)."""
        read = typed.read(text, self.words, addressed=False)
        if read.usage is not None:
            self.adapter.tell(user, self.render.messages([read.usage]))
            return True
        if read.command is None:
            return False
        self.command(user, read.command, private=False, typed=text)
        return True

    def typed_command(self, text: str) -> commands.Command | commands.Usage | None:
        """A 1:1 text read as a command; Slack's 「/incident 」 before it, as staff used to Slack type it, is
        dropped (alone it is the command list)."""
        words = text.split(maxsplit=1)  # a full-width space separates too
        if words and fold(words[0]).lower() == SLASH_COMMAND:
            if len(words) == 1:
                return commands.Usage(self.render.catalog.t("commands.list", prefix=""))
            text = words[1]
        return commands.read(text, self.words)

    def words(self, key: str, **params: object) -> str:
        """The catalogue's words, LINE WORKS' own where they differ (a grantee is an id: no @mention arrives)."""
        catalog = self.render.catalog
        own = f"lineworks.{key.removeprefix('commands.')}"
        return catalog.t(own if own in catalog.keys() else key, **params)

    def member(self, actor: Actor) -> command_run.Person:
        """A typed grantee as the core's user id; None when the directory says no such LINE WORKS member exists
        (「@鈴木」 typed as a name): the role would go to nobody. Kept when the directory cannot tell."""
        def person(typed: str) -> str | None:
            user = commands.user_id(actor, typed)
            platform, raw = identity.split(user)
            if platform != PLATFORM or not raw:
                return user
            return None if self.adapter.client.member_known(raw) is False else user
        return person

    def command(self, user: str, command: commands.Command, *, private: bool = True, typed: str = "") -> None:
        """close / decline / grant / reopen / kind / status, run as on every platform (bot/delivery/command_run.py):
        its words to the sender, offers that no longer stand dropped, its plan delivered. `private`: typed in the
        1:1 chat (not a room); `typed`: a room's text, quoted above a refusal told away from the room."""
        actor = self.adapter.actor(user)
        platform = self.platform if private else replace(self.platform, private=False)
        ran = command_run.run(self.triage, actor, command, platform, self.member(actor))
        log.info("lineworks.command action=%s incident_id=%s refused=%s", command.action, command.incident_id,
                 type(ran.refused).__name__ if ran.refused else None)
        if ran.drop_offers is not None:
            self.adapter.port.drop_everywhere(ran.drop_offers, pb.FLAREUP)
        if ran.refused is None and command.action in ENDING and command.incident_id is not None:
            # Ended: no chat keeps carrying its buttons (an acknowledgement or a step pressed there would act on it).
            self.adapter.port.drop_everywhere(command.incident_id, None)
        said = list(ran.said)
        if said and ran.refused is not None and typed:
            said[0] = self.render.w("room_refused", text=shorten(" ".join(typed.split()), 40)) + "\n" + said[0]
        if said:
            self.adapter.tell(user, self.render.messages(said))
        if ran.plan is not None:
            self.adapter.deliver(ran.plan, actor.user_id)

    def show_report(self, outcome: Outcome, report: ReportInput) -> None:
        """What follows the report (bot/delivery/intake.py): the question, the core's words, or the plan (a new
        incident's posts once: claimed, so a replay or resume skips them)."""
        user = report.reporter.user_id
        private = Target.user(self._raw(user)).encode()
        where = report.conversation.channel if report.conversation else private
        in_room = where.startswith("channel:")
        view = outcome.incident
        if outcome.followup_or_new is not None:  # 続報 / 新しい報告 / どちらでもない, in her 1:1 talk
            self.inputs.offer_followup(outcome.followup_or_new, report)
            return
        # A room message is a public message, but a room carries no thread: the conversation opens in the
        # reporter's 1:1 chat. The plan's rules for public messages apply (a restricted one: one neutral line in
        # the room; advice on unsending it, at the report or when corrected to a restricted kind).
        origin = plan.Origin("message" if in_room else "command", Place(where), user, report.reporter.display_name,
                             public=in_room, private=private, threads=False)
        # Chatter in report rooms gets no reply; a merge that restricted the incident redacts its notices (its
        # conversation is a 1:1 chat already: nothing to move).
        after = after_report(outcome, origin, answer=report.explicit, home_is_private=lambda _: True,
                             name_of=lambda person: self.adapter.actor(person).display_name)
        if after.ask is not None:
            self.inputs.ask(after.ask, report)
        elif after.words:
            self.adapter.tell(user, self.render.messages(after.words))
        elif after.plan is not None and view is not None:
            if after.choose is not None:  # reopen or new, in the reporter's 1:1 chat
                self.inputs.offer(after.choose, report)
            log.info("lineworks.report incident_id=%s created=%s merged=%s kind=%s", view.id, outcome.created,
                     outcome.merged, view.kind)
            self.adapter.deliver(own_echo_dropped(after.plan) if user == view.reporter_id else after.plan, user)

    def resume(self) -> int:
        """Finish reports and acknowledgements a crash left untold (bot/delivery/resume.py); returns how many."""
        def show(outcome: Outcome) -> None:
            assert outcome.incident is not None
            actor = self.adapter.actor(outcome.incident.reporter_id)
            self.show_report(outcome, ReportInput(text="", reporter=actor, conversation=outcome.incident.conversation))

        def told(incident_id: int, user: str) -> None:
            actor = self.adapter.actor(user)
            after = controls.acknowledge(self.triage, incident_id, actor, self.adapter.when)
            if after.plan is not None:
                self.adapter.deliver(after.plan, actor.user_id)

        return resume_all(self.triage, PLATFORM, self.adapter.now(), show=show, tell=told,
                          name_of=lambda user: self.adapter.actor(user).display_name,
                          run=lambda steps: self.adapter.deliver(steps, steps.lane))

    def help(self, user: str) -> None:
        """How to use the bot, then the member's current step again (its quick replies are on the latest
        message only, so a later message may have hidden them)."""
        shown = self.render.help()
        viewer = self.adapter.actor(user).user_id
        for latest in self.own_incidents(viewer)[:1]:
            step = self.triage.steps.current(latest.id, viewer)
            if step is not None:
                shown += self.render.step(step, latest.kind)
        self.adapter.tell(user, shown)

    def own_incidents(self, viewer: str) -> list[IncidentView]:
        """The open incidents the member reported (their steps run in their 1:1 chat), latest first."""
        mine = [view for view in self.triage.queries.list(viewer, open_only=True) if view.reporter_id == viewer]
        return sorted(mine, key=lambda view: view.id, reverse=True)

    # -- buttons -------------------------------------------------------------------------------------------------
    def press(self, event: PostbackPress) -> None:
        data, user = event.data, event.source.user_id
        assert user is not None
        actions = {pb.DONE: lambda: self.step(event, skip=False), pb.SKIP: lambda: self.step(event, skip=True),
                   pb.INPUT: lambda: self.inputs.start(event), pb.CHOICE: lambda: self.inputs.choose(event),
                   pb.CANCEL: lambda: self.inputs.cancel(event), pb.KIND: lambda: self.correct_kind(event),
                   pb.ACK: lambda: self.acknowledge(event), pb.ASK: lambda: self.inputs.answer_ask(event),
                   pb.END: lambda: self.end(event), pb.FLAREUP: lambda: self.inputs.answer_flareup(event),
                   pb.NOTE: lambda: self.inputs.answer_note(event),
                   pb.FOLLOWUP: lambda: self.inputs.answer_followup(event),
                   pb.REVIEW: lambda: self.reviews.start(event), pb.REVIEW_BLANK: lambda: self.reviews.blank(event),
                   pb.REVIEW_STOP: lambda: self.reviews.stop(event)}
        action = actions.get(data.action)
        if action is None:
            self.adapter.tell(user, self.render.bad_action())
            return
        action()

    def step(self, event: PostbackPress, *, skip: bool) -> None:
        """Done / skip, with the answers collected by guided input; the plan posts what follows."""
        data, user = event.data, event.source.user_id
        assert user is not None
        actor = self.adapter.actor(user)
        answers = {} if skip else self.inputs.collected(user, data.incident_id, data.step_id)
        try:
            outcome = self.triage.steps.complete(data.incident_id, data.step_id, actor, skip=skip, answers=answers,
                                                 expected_kind=data.kind)
        except StorageUnavailable:
            raise
        except Exception as exc:
            if not self.inputs.refused(user, data, answers, exc):
                raise
            return
        self.inputs.clear(user, data.incident_id, data.step_id)
        self.adapter.port.drop_controls(event.source.reply_to.encode(), data.incident_id, data.step_id)
        if outcome.duplicate:  # pressed again (or after a crash): the plan finishes the missing posts
            self.adapter.tell(user, self.render.duplicate())
        after = controls.step_done(self.triage, outcome, actor, data.incident_id, data.step_id, self.adapter.when(),
                                   PLATFORM, when=self.adapter.when, home_is_private=True,  # the 1:1 chat already
                                   name_of=lambda reporter: self.adapter.actor(reporter).display_name)
        if after.plan is not None:
            self.adapter.deliver(after.plan, actor.user_id)

    def correct_kind(self, event: PostbackPress) -> None:
        """A kind chosen from the intro's quick replies; redaction of notices is the plan's."""
        data, user = event.data, event.source.user_id
        assert user is not None
        actor = self.adapter.actor(user)
        # The conversation already lives in the reporter's 1:1 chat: nothing moves.
        after, _ = controls.correct_kind(self.triage, data.incident_id, data.kind, actor,
                                         lambda reporter: self.adapter.actor(reporter).display_name,
                                         home_is_private=True)
        if after.plan is None:
            self.adapter.tell(user, self.render.messages(after.outcome.messages))
            return
        self.adapter.deliver(after.plan, actor.user_id)

    def acknowledge(self, event: PostbackPress) -> None:
        """The PR acknowledgement: the core decides who may; the reporter is told, then the room."""
        data, user = event.data, event.source.user_id
        assert user is not None
        actor = self.adapter.actor(user)
        after = controls.acknowledge(self.triage, data.incident_id, actor, self.adapter.when)
        if after.duplicate:  # pressed again (after a crash, or on a message sent meanwhile): who and when
            self.adapter.tell(user, self.render.messages(after.outcome.messages))
        if after.plan is None:
            return
        self.adapter.port.drop_controls(event.source.reply_to.encode(), data.incident_id, action=pb.ACK)
        self.adapter.deliver(after.plan, actor.user_id)

    def end(self, event: PostbackPress) -> None:
        """対応完了にする: the core decides who may; the presser told, the conversation told, the control dropped,
        then the closing review and the records as at any end."""
        data, user = event.data, event.source.user_id
        assert user is not None
        actor = self.adapter.actor(user)
        after = controls.end(self.triage, data.incident_id, actor, self.adapter.when, PLATFORM)
        self.adapter.tell(user, self.render.messages(after.outcome.messages))
        self.adapter.port.drop_controls(event.source.reply_to.encode(), data.incident_id, action=pb.END)
        if after.plan is not None:
            self.adapter.deliver(after.plan, actor.user_id)

    @staticmethod
    def _raw(user: str) -> str:
        return member_id(user)


def own_echo_dropped(made: plan.Plan) -> plan.Plan:
    """The plan without 「INC-0001 に続報があります（山田 花子 さん）」 for the incident's conversation."""
    # On LINE WORKS that conversation is the reporter's own 1:1 talk: her own follow-up would only be repeated to her.
    kept = tuple(op for op in made.ops if not (isinstance(op, Post) and (op.purpose or "").startswith(FOLLOWUP_HERE)))
    return replace(made, ops=kept)


__all__ = ["Handlers"]
