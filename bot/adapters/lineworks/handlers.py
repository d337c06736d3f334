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
from typing import TYPE_CHECKING

from sqlalchemy.exc import SQLAlchemyError

from bot import identity
from bot.adapters.lineworks import postback as pb
from bot.adapters.lineworks.callbacks import CallbackEvent, PostbackPress, Source, TextMessage
from bot.adapters.lineworks.inputs import Inputs
from bot.adapters.lineworks.review import Reviews
from bot.adapters.lineworks.target import PLATFORM, Target
from bot.delivery import closing, plan
from bot.delivery.content import Place
from bot.ports import Outcome, ReportInput
from bot.presenting import failure_text, is_help
from bot.records.service import RecordsDesk
from bot.triage.core import StorageUnavailable

if TYPE_CHECKING:
    from bot.adapters.lineworks.app import LineWorksAdapter

log = logging.getLogger("incident_bot.lineworks")


class Handlers:
    """One method per kind of callback; `handle` is the endpoint's handler."""

    def __init__(self, adapter: LineWorksAdapter) -> None:
        self.adapter = adapter
        self.render = adapter.render
        self.inputs = Inputs(self)
        self.reviews = Reviews(self)

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

    # -- reports -------------------------------------------------------------------------------------------
    def text(self, event: TextMessage) -> None:
        """A 1:1 message (help, the answer to a pending field, or a report) or a report room's message."""
        source = event.source
        assert source.user_id is not None
        if source.direct:
            if is_help(event.text):
                self.help(source.user_id)
                return
            if self.inputs.answer_text(source.user_id, event.text):
                return
            if self.reviews.answer_text(source.user_id, event.text):
                return
        elif source.channel_id not in self.adapter.settings.report_channels:
            return  # other rooms the bot was invited to are conversation, not reports
        actor = self.adapter.actor(source.user_id)
        # A 1:1 message is explicit intent (never dropped); a report room's message may be chatter.
        report = ReportInput(text=event.text, reporter=actor, idempotency_key=event.key,
                             conversation=source.reply_to.conversation(), explicit=source.direct)
        outcome = self.triage.incidents.report(report)
        if outcome.duplicate:  # the same callback again: finish what the first one may not have posted
            outcome = self.triage.incidents.replay_report(report) or outcome
        self.show_report(outcome, report)

    def show_report(self, outcome: Outcome, report: ReportInput) -> None:
        """Plan and deliver a report's posts (a new incident's once: claimed, so a replay or resume skips it)."""
        view, user = outcome.incident, report.reporter.user_id
        answer = plan.report_answer(outcome, explicit=report.explicit)
        if answer == "ask" and outcome.ask is not None:
            self.inputs.ask(outcome.ask, report)
        elif answer == "tell":
            self.adapter.tell(user, self.render.messages(outcome.messages))
        if answer != "deliver" or view is None:
            return
        log.info("lineworks.report incident_id=%s created=%s merged=%s kind=%s", view.id, outcome.created,
                 outcome.merged, view.kind)
        private = Target.user(self._raw(user)).encode()
        where = report.conversation.channel if report.conversation else private
        in_room = where.startswith("channel:")
        # A room message can carry no thread, so the conversation opens in the reporter's 1:1 chat (as for a
        # command). A restricted report made in a room is a public message all the same: the plan's rules for
        # those apply (one neutral line in the room, advice on removing one's own message).
        how = "message" if in_room and view.restricted else "command"
        origin = plan.Origin(how, Place(where), user, report.reporter.display_name, public=how == "message",
                             private=private)
        self.adapter.deliver(plan.report(outcome, origin), user)

    def resume(self) -> int:
        """Finish reports whose posts a crash interrupted (bot/delivery/resume.py); returns how many."""
        from bot.delivery.resume import unfinished_reports

        pending = unfinished_reports(self.triage.queries, PLATFORM, self.adapter.now())
        for incident_id in pending:
            outcome = self.triage.incidents.replay_created(incident_id)
            assert outcome.incident is not None
            actor = self.adapter.actor(outcome.incident.reporter_id)
            log.warning("lineworks.report_resumed incident_id=%s", incident_id)
            self.show_report(outcome, ReportInput(text="", reporter=actor, conversation=outcome.incident.conversation))
        return len(pending)

    def help(self, user: str) -> None:
        """How to use the bot, then the member's current step again (its quick replies are on the latest
        message only, so a later message may have hidden them)."""
        shown = self.render.help()
        viewer = self.adapter.actor(user).user_id
        mine = [view for view in self.triage.queries.list(viewer, open_only=True) if view.reporter_id == viewer]
        if mine:
            latest = max(mine, key=lambda view: view.id)
            step = self.triage.steps.current(latest.id, viewer)
            if step is not None:
                shown += self.render.step(step, latest.kind)
        self.adapter.tell(user, shown)

    # -- buttons -------------------------------------------------------------------------------------------------
    def press(self, event: PostbackPress) -> None:
        data, user = event.data, event.source.user_id
        assert user is not None
        actions = {pb.DONE: lambda: self.step(event, skip=False), pb.SKIP: lambda: self.step(event, skip=True),
                   pb.INPUT: lambda: self.inputs.start(event), pb.CHOICE: lambda: self.inputs.choose(event),
                   pb.CANCEL: lambda: self.inputs.cancel(event), pb.KIND: lambda: self.correct_kind(event),
                   pb.ACK: lambda: self.acknowledge(event), pb.ASK: lambda: self.inputs.answer_ask(event),
                   pb.REVIEW: lambda: self.reviews.start(event), pb.REVIEW_BLANK: lambda: self.reviews.blank(event),
                   pb.REVIEW_STOP: lambda: self.reviews.stop(event)}
        action = actions.get(data.action)
        if action is None:
            self.adapter.tell(user, self.render.bad_action())
            return
        action()

    def stale(self, source: Source, incident_id: int, kind: str) -> bool:
        """A button of the playbook the incident left (kind corrected): told, nothing done."""
        assert source.user_id is not None
        viewer = self.adapter.actor(source.user_id).user_id
        if self.triage.queries.view(incident_id, viewer).kind == kind:
            return False
        self.adapter.tell(source.user_id, self.render.notice("step_stale"))
        return True

    def step(self, event: PostbackPress, *, skip: bool) -> None:
        """Done / skip, with the answers collected by guided input; the plan posts what follows."""
        data, user = event.data, event.source.user_id
        assert user is not None
        if self.stale(event.source, data.incident_id, data.kind):
            return
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
        if outcome.duplicate:  # pressed again (or after a crash): finish the missing posts
            self.adapter.tell(user, self.render.notice("duplicate"))
            outcome = self.triage.steps.replay(data.incident_id, data.step_id, actor)
        if outcome.incident is None:
            return
        steps = plan.progress(outcome, actor.display_name, self.adapter.when())
        # An incident that just ended: the closing review invitation and the records (bot/delivery/closing.py).
        self.adapter.deliver(closing.at_end(steps, RecordsDesk(self.triage.deps), outcome.incident, PLATFORM,
                                            ender=actor.user_id), actor.user_id)

    def correct_kind(self, event: PostbackPress) -> None:
        """A kind chosen from the intro's quick replies; redaction of notices is the plan's."""
        data, user = event.data, event.source.user_id
        assert user is not None
        actor = self.adapter.actor(user)
        before = self.triage.queries.view(data.incident_id, None)
        old_step = self.triage.steps.current(data.incident_id, actor.user_id)
        outcome = self.triage.incidents.correct_kind(data.incident_id, data.kind, actor)
        if outcome.incident is None:
            self.adapter.tell(user, self.render.messages(outcome.messages))
            return
        reporter = self.adapter.actor(before.reporter_id).display_name
        # The conversation already lives in the reporter's 1:1 chat: nothing moves.
        self.adapter.deliver(plan.kind_corrected(before, old_step, outcome, reporter, home_is_private=True),
                             actor.user_id)

    def acknowledge(self, event: PostbackPress) -> None:
        """The PR acknowledgement: the core decides who may; the reporter is told, then the room."""
        data, user = event.data, event.source.user_id
        assert user is not None
        actor = self.adapter.actor(user)
        outcome = self.triage.incidents.acknowledge(data.incident_id, actor)
        if outcome.duplicate or outcome.incident is None:
            said = outcome.messages or (self.render.w("duplicate"),)
            self.adapter.tell(user, self.render.messages(said))
            outcome = self.triage.incidents.replay_acknowledgement(data.incident_id, actor)
        view = outcome.incident
        if view is None or not outcome.messages:
            return
        self.adapter.port.drop_controls(event.source.reply_to.encode(), data.incident_id, action=pb.ACK)
        when = self.adapter.when(view.acknowledged_at)
        self.adapter.deliver(plan.acknowledged(outcome, view.acknowledged_by or actor.display_name, when),
                             actor.user_id)

    @staticmethod
    def _raw(user: str) -> str:
        return identity.raw(PLATFORM, user) or user


__all__ = ["Handlers"]
