"""Guided input and the private questions (「報告しますか？」, reopen-or-new), for a platform with no forms and no
message read-back.

State lives in the database (bot/triage/memos.py), so a restart loses nothing:
  lineworks:input:<user>                       the field the member's next 1:1 text answers
  lineworks:answers:<incident>:<step>:<user>   answers collected so far, handed to the core on 「完了」
  lineworks:ask:<token>                        the message a question is about (text, room, intent)
  lineworks:flareup:<token>                    the message a reopen-or-new question is about (the same)
  lineworks:followup:<token>                   the 1:1 message a 続報-or-new question is about (the same)
  lineworks:answered:<callback key>            a 1:1 text taken as an answer (the same callback again asks nothing)
The core validates the answers when the step is completed; its refusal shows the step again with it.
"""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from bot.adapters.lineworks import postback as pb
from bot.adapters.lineworks.callbacks import PostbackPress
from bot.adapters.lineworks.render import with_quick_reply
from bot.adapters.lineworks.target import PLATFORM, Target, member_id
from bot.delivery import flareup, followup_choice, plan
from bot.ports import Actor, AskIfReport, ConversationRef, InputSpec, ReopenOrNew, ReportInput, StepView
from bot.triage.core import InvalidRequest, StorageUnavailable, WrongKind
from bot.triage.followup_choice import answered, key_of
from bot.triage.short_input import choice_value

if TYPE_CHECKING:
    from bot.adapters.lineworks.handlers import Handlers


class Inputs:
    """Guided text input for step fields, and the private question about a possible report."""

    def __init__(self, handlers: Handlers) -> None:
        self.handlers = handlers
        self.adapter = handlers.adapter
        self.render = handlers.adapter.render
        self.memos = handlers.adapter.memos

    # -- keys ------------------------------------------------------------------------------------------------
    @staticmethod
    def _input_key(user: str) -> str:
        return f"lineworks:input:{member_id(user)}"

    @staticmethod
    def _answers_key(user: str, incident_id: int, step_id: str) -> str:
        return f"lineworks:answers:{incident_id}:{step_id}:{member_id(user)}"

    def collected(self, user: str, incident_id: int, step_id: str) -> dict[str, str]:
        """Answers the member gave so far for the step (not yet handed to the core)."""
        return {str(k): str(v) for k, v in (self.memos.recall(self._answers_key(user, incident_id, step_id))
                                            or {}).items()}

    def clear(self, user: str, incident_id: int, step_id: str) -> None:
        """The step was completed or skipped: its collected answers and any pending field are gone."""
        self.memos.forget(self._answers_key(user, incident_id, step_id))
        pending = self.memos.recall(self._input_key(user))
        if pending and pending.get("incident") == incident_id and pending.get("step") == step_id:
            self.memos.forget(self._input_key(user))

    # -- guided input ------------------------------------------------------------------------------------------
    def _step(self, user: str, incident_id: int, step_id: str, kind: str | None = None) -> StepView:
        """The step as the member may fill it in (the core checks access and the playbook), with their answers."""
        step = self.handlers.triage.steps.input_view(incident_id, step_id, self.adapter.actor(user),
                                                     expected_kind=kind)
        return replace(step, answers={**step.answers, **self.collected(user, incident_id, step_id)})

    @staticmethod
    def _field(step: StepView, field: str) -> InputSpec | None:
        return next((item for item in step.inputs if item.id == field), None)

    def start(self, event: PostbackPress) -> None:
        """「入力: 項目」 pressed: remember the field, ask for it."""
        data, user = event.data, event.source.user_id
        assert user is not None
        step = self._step(user, data.incident_id, data.step_id, data.kind)  # the core refuses a left playbook
        item = self._field(step, data.field)
        if item is None:
            self.adapter.tell(user, self.render.bad_action())
            return
        self.memos.remember(self._input_key(user), {"incident": data.incident_id, "kind": data.kind,
                                                    "step": data.step_id, "field": item.id})
        self.adapter.tell(user, [self.render.input_prompt(step, data.kind, item)])

    def answered(self, key: str) -> bool:
        """Whether this callback (its body's key) was already taken as an answer: a replay asks nothing."""
        return self.memos.recall(f"lineworks:answered:{key}") is not None

    def mark_answered(self, key: str) -> None:
        """Remember that this callback answered a field or a review question (for `answered`)."""
        self.memos.remember(f"lineworks:answered:{key}", {})

    def attachment_for_field(self, user: str) -> bool:
        """A file sent for a pending field (a 画面保存 screenshot): asked again in words; False when none is pending."""
        pending = self.memos.recall(self._input_key(user))
        if not pending:
            return False
        step = self._step(user, int(pending["incident"]), str(pending["step"]))
        item = self._field(step, str(pending["field"]))
        if item is None:
            return False
        error = self.render.w("input.attachment")
        self.adapter.tell(user, [self.render.input_prompt(step, str(pending["kind"]), item, error=error)])
        return True

    def answer_text(self, user: str, text: str) -> bool:
        """The member's 1:1 text answers their pending field; False when no field is pending."""
        pending = self.memos.recall(self._input_key(user))
        if not pending:
            return False
        step = self._step(user, int(pending["incident"]), str(pending["step"]))
        item = self._field(step, str(pending["field"]))
        if item is not None and item.choices and text.strip() and choice_value(item.choices, text) is None:
            # Read as the core reads it on 「完了」: an answer that is none of the choices is asked again now.
            error = self.render.w("input.not_a_choice", answer=text.strip())
            self.adapter.tell(user, [self.render.input_prompt(step, str(pending["kind"]), item, error=error)])
            return True
        self._save(user, pending, text.strip())
        return True

    def choose(self, event: PostbackPress) -> None:
        """A choice pressed for a field."""
        data, user = event.data, event.source.user_id
        assert user is not None
        step = self._step(user, data.incident_id, data.step_id, data.kind)  # the core refuses a left playbook
        item = self._field(step, data.field)
        if item is None or not 0 <= data.index < len(item.choices):
            self.adapter.tell(user, self.render.bad_action())
            return
        pending = {"incident": data.incident_id, "kind": data.kind, "step": data.step_id, "field": item.id}
        self._save(user, pending, item.choices[data.index][0])

    def _save(self, user: str, pending: dict[str, Any], value: str) -> None:
        incident_id, step_id, kind = int(pending["incident"]), str(pending["step"]), str(pending["kind"])
        step = self._step(user, incident_id, step_id)
        item = self._field(step, str(pending["field"]))
        self.memos.forget(self._input_key(user))
        if item is None:
            self.adapter.tell(user, self.render.bad_action())
            return
        answers = {**self.collected(user, incident_id, step_id), item.id: value}
        self.memos.remember(self._answers_key(user, incident_id, step_id), answers)
        shown = self.render.input_saved(item, incident_id)
        shown[-1] = with_quick_reply(shown[-1], self.render.step_controls(step, kind))
        self.adapter.tell(user, shown)

    def cancel(self, event: PostbackPress) -> None:
        """「入力をやめる」: the pending field is forgotten; the step's controls come back."""
        user = event.source.user_id
        assert user is not None
        pending = self.memos.recall(self._input_key(user))
        self.memos.forget(self._input_key(user))
        shown = self.render.input_cancelled()
        if pending:
            step = self._step(user, int(pending["incident"]), str(pending["step"]))
            shown[-1] = with_quick_reply(shown[-1], self.render.step_controls(step, str(pending["kind"])))
        self.adapter.tell(user, shown)

    def refused(self, user: str, data: pb.Postback, answers: dict[str, str], exc: Exception) -> bool:
        """The core refused the answers on 「完了」: the step again, with its message; False if not a refusal."""
        if not isinstance(exc, InvalidRequest) or isinstance(exc, StorageUnavailable):
            return False
        if isinstance(exc, WrongKind):  # a button of the playbook the incident left: told, nothing done
            self.adapter.tell(user, self.render.messages([str(exc)]))
            return True
        step = self._step(user, data.incident_id, data.step_id)
        self.adapter.tell(user, self.render.step(replace(step, answers={**step.answers, **answers}), data.kind,
                                                 error=str(exc)))
        return True

    # -- the question about a possible report ------------------------------------------------------------------
    def ask(self, ask: AskIfReport, report: ReportInput) -> None:
        """Ask the poster in their 1:1 chat (nobody else sees anything); the message is remembered. A 1:1 message
        amid the member's own incident may be what its step asks to record (協議の結果): that is offered too."""
        in_private = report.explicit and report.text.strip()  # a 1:1 text (a room's or a file is no note)
        amid = self.handlers.own_incidents(report.reporter.user_id) if report.explicit else []
        about = self._about(report)
        if not about and report.attachments and amid:
            # In the chat where the steps run, an image could be taken as recorded or shown to PR: it is neither.
            about = self.render.w("ask.attachment_kept", refs="、".join(view.ref for view in amid[:3]))
        self.adapter.tell(report.reporter.user_id, self.render.ask(ask, self._remembered("ask", report),
                                                                   amid if in_private else [], about))

    def answer_note(self, event: PostbackPress) -> None:
        """「INC-0001 の記録に残す」: the remembered message goes on the timeline once (the core checks access)."""
        data, user = event.data, event.source.user_id
        if (found := self._asked(event)) is None:
            return
        asked, actor = found
        outcome = self.handlers.triage.incidents.add_note(data.incident_id, actor, str(asked["text"]),
                                                         key=f"lwnote:{data.token}")
        self.adapter.tell(user, self.render.duplicate() if outcome.duplicate else
                          self.render.messages(list(outcome.messages)))

    def _asked(self, event: PostbackPress) -> tuple[dict[str, Any], Actor] | None:
        """The remembered message a question's answer is about and who answers; None (told so) when it is gone or
        was someone else's."""
        user = event.source.user_id
        assert user is not None
        asked, actor = self.memos.recall(f"lineworks:ask:{event.data.token}"), self.adapter.actor(user)
        if asked is None or asked.get("user") != actor.user_id:
            self.adapter.tell(user, self.render.ask_gone())
            return None
        return asked, actor

    def offer(self, choice: ReopenOrNew, report: ReportInput) -> None:
        """Offer reopen-or-new in the reporter's 1:1 chat; the message is remembered for 「新しい案件」."""
        self.adapter.tell(report.reporter.user_id, self.render.flareup(choice, self._remembered("flareup", report),
                                                                       self._about(report)))

    def _about(self, report: ReportInput) -> str:
        """A room message quoted under its question: the question comes in the 1:1 chat, away from it (a 1:1
        message is just above its question)."""
        in_room = report.conversation is not None and report.conversation.channel.startswith("channel:")
        return self.render.about(report.text, report.attachments) if in_room else ""

    def _remembered(self, purpose: str, report: ReportInput) -> str:
        """A token for the reported message, kept (text, reporter, room) until its answer. Derived from the callback's
        key, as Slack keys its question by the message: the same callback again asks with the same token, and an
        answer to either question is one answer (its key is the token's)."""
        key = report.idempotency_key
        token = hashlib.sha256(f"{purpose}:{key}".encode()).hexdigest()[:16] if key else uuid.uuid4().hex[:16]
        where = report.conversation.channel if report.conversation else ""
        self.memos.remember(f"lineworks:{purpose}:{token}", {"text": report.text, "user": report.reporter.user_id,
                                                             "channel": where, "explicit": report.explicit})
        return token

    def answer_flareup(self, event: PostbackPress) -> None:
        """Reopen pressed: the core decides who may. New pressed: the remembered message, reported once."""
        data, user = event.data, event.source.user_id
        assert user is not None
        actor, triage = self.adapter.actor(user), self.handlers.triage
        if data.kind == flareup.REOPEN:
            done = flareup.answer(triage, actor, PLATFORM, choice=data.kind, incident_id=data.incident_id, text="",
                                  channel="", ts=data.token)
            self.adapter.port.drop_everywhere(data.incident_id, pb.FLAREUP)  # reopened: no offer stands any more
            self.adapter.tell(user, self.render.messages(done.messages))
            if (told := plan.notices(done, actor.user_id)).incident_id is not None:
                self.adapter.deliver(told, actor.user_id)  # PR told who reopened it
            return
        asked = self.memos.recall(f"lineworks:flareup:{data.token}")
        if data.kind != flareup.NEW or asked is None or asked.get("user") != actor.user_id:
            self.adapter.tell(user, self.render.ask_gone())
            return
        where = ConversationRef(PLATFORM, str(asked["channel"])) if asked.get("channel") else None
        outcome = flareup.answer(triage, actor, PLATFORM, choice=data.kind, incident_id=data.incident_id,
                                 text=str(asked["text"]), channel="lineworks", ts=data.token,
                                 explicit=bool(asked.get("explicit")), conversation=where)
        if outcome.incident is None:
            self.adapter.tell(user, self.render.messages(outcome.messages))
            return
        report = ReportInput(text=str(asked["text"]), reporter=actor, conversation=where)
        self.handlers.show_report(outcome, report)

    def offer_followup(self, choice: ReopenOrNew, report: ReportInput) -> None:
        """Ask in her 1:1 talk whether her message is news on her open incident, a new report or neither."""
        self.adapter.tell(report.reporter.user_id, self.render.followup(choice, self._remembered("followup", report)))

    def answer_followup(self, event: PostbackPress) -> None:
        """続報 / 新しい報告 / どちらでもない pressed: the remembered message recorded, reported or left (the core
        decides, keyed by the message: a second press replays the first outcome)."""
        data, user = event.data, event.source.user_id
        assert user is not None
        asked, actor = self.memos.recall(f"lineworks:followup:{data.token}"), self.adapter.actor(user)
        if asked is None or asked.get("user") != actor.user_id or not followup_choice.is_choice(data.kind):
            self.adapter.tell(user, self.render.ask_gone())
            return
        home = Target.user(member_id(actor.user_id)).encode()
        report = ReportInput(text=str(asked["text"]), reporter=actor, explicit=True,
                             idempotency_key=key_of(home, data.token),
                             conversation=ConversationRef(PLATFORM, home))
        followup = None if data.kind == followup_choice.NEITHER else data.kind == followup_choice.FOLLOWUP
        outcome = answered(self.handlers.triage.incidents, data.incident_id, report, followup=followup)
        if outcome.incident is None and outcome.ask is None:
            self.adapter.tell(user, self.render.messages(outcome.messages))
            return
        if outcome.duplicate and not (outcome.created or outcome.merged):  # pressed again: the first press counted
            self.adapter.tell(user, self.render.duplicate())
        self.handlers.show_report(outcome, report)

    def answer_ask(self, event: PostbackPress) -> None:
        """A kind or 「報告ではない」 pressed: the remembered message reported with it, or labelled."""
        data, user = event.data, event.source.user_id
        if (found := self._asked(event)) is None:
            return
        asked, actor = found
        where = ConversationRef(PLATFORM, str(asked["channel"])) if asked.get("channel") else None
        report = ReportInput(text=str(asked["text"]), reporter=actor, idempotency_key=f"lwask:{data.token}",
                             conversation=where, explicit=bool(asked.get("explicit")))
        kind = None if data.kind == pb.DECLINE else data.kind
        outcome = self.handlers.triage.incidents.answer(report, kind)  # pressed again: the first outcome
        if outcome.incident is None:
            self.adapter.tell(user, self.render.messages(outcome.messages))
            return
        self.handlers.show_report(outcome, report)


__all__ = ["Inputs"]
