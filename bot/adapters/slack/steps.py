"""Buttons and modals on an incident: step done/skip/inputs, kind correction, acknowledgement, ending it -> core ->
plan."""

# The core runs before Slack's HTTP 200, the plan after it (outbox.py); a click again after a crash finishes it.

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from bot.adapters.slack.logs import log_event
from bot.adapters.slack.outbox import Handlers
from bot.adapters.slack.port import PLATFORM, is_dm
from bot.adapters.slack.render import INPUT_BLOCK_PREFIX, RESOLVE, StepRef, decode_metadata, submitted_values
from bot.adapters.slack.replies import Reply, Submission
from bot.adapters.slack.text import slack_id
from bot.adapters.slack.thread_advice import advise_earlier_repliers
from bot.clock import format_jst
from bot.delivery import controls
from bot.delivery.content import Posted
from bot.delivery.earlier_replies import moved_private
from bot.delivery.links import home_is_private
from bot.ports import Actor, Outcome
from bot.presenting import field_errors as split_errors
from bot.triage.core import InvalidRequest, WrongKind
from bot.triage.service import Triage


def clicked(body: dict[str, Any]) -> Posted | None:
    """The message whose button was clicked."""
    container = body.get("container") or {}
    channel = container.get("channel_id")
    ts = container.get("message_ts") or (body.get("message") or {}).get("ts")
    return Posted(str(channel), str(ts)) if channel and ts else None


def field_errors(message: str, view: dict[str, Any]) -> dict[str, str]:
    """The core's validation message mapped onto the modal's input blocks by their labels."""
    inputs = [(b["block_id"], (b.get("label") or {}).get("text", "")) for b in view.get("blocks") or []
              if b.get("type") == "input" and str(b.get("block_id", "")).startswith(INPUT_BLOCK_PREFIX)]
    return {block: text[:2000] for block, text in split_errors(message, inputs).items()}


class Steps(Handlers):
    """One method per control on an incident's messages; each is safe to call from a listener."""

    def step_button(self, body: dict[str, Any], action: dict[str, Any], *, skip: bool) -> None:
        """step_done / step_skip: complete the step; the plan posts what follows, then closes the clicked one."""
        user, _, _, reply = self.replies.for_action(body)
        ref = StepRef.decode(action["value"])
        with self.replies.guard(reply, "step_skip" if skip else "step_done", ref.incident_id):
            actor = self.people.actor(user, body["user"].get("name", ""))
            triage = self.people.triage()
            outcome = triage.steps.complete(ref.incident_id, ref.step_id, actor, skip=skip, expected_kind=ref.kind)
            if outcome.duplicate:  # a double click, or a click again after a crash: the plan finishes the missing posts
                self.replies.say(reply, self.replies.plain(self.render.t("slack.duplicate")), ref.incident_id)
            self.show_progress(self.progress(triage, outcome, actor, ref, clicked(body)), reply)

    def open_step_modal(self, body: dict[str, Any], action: dict[str, Any]) -> None:
        """step_input: the step's inputs in a modal (current answers pre-filled)."""
        user, channel, thread, reply = self.replies.for_action(body)
        ref = StepRef.decode(action["value"])
        with self.replies.guard(reply, "step_input", ref.incident_id):
            actor = self.people.actor(user, body["user"].get("name", ""))
            triage = self.people.triage()
            step = triage.steps.input_view(ref.incident_id, ref.step_id, actor, expected_kind=ref.kind)
            at = clicked(body)
            metadata = {"i": ref.incident_id, "k": ref.kind, "s": ref.step_id, "c": channel, "t": thread,
                        "m": at.id if at else None}
            self.client.views_open(trigger_id=body["trigger_id"], view=self.render.step_modal(step, metadata))

    def submit_step(self, body: dict[str, Any]) -> Submission:
        """The step modal submitted: the core validates; its refusal goes back into the modal as field errors."""
        view, user = body["view"], body["user"]["id"]
        meta = decode_metadata(view.get("private_metadata"))
        ref = StepRef(int(meta["i"]), str(meta["k"]), str(meta["s"]))
        reply = self.replies.ephemeral(meta.get("c") or user, user, meta.get("t"))
        first = next((b["block_id"] for b in view.get("blocks") or [] if b.get("type") == "input"), "")
        try:
            actor = self.people.actor(user, body["user"].get("name", ""))
            triage = self.people.triage()
            outcome = triage.steps.complete(ref.incident_id, ref.step_id, actor,
                                            answers=submitted_values(view.get("state") or {}),
                                            expected_kind=ref.kind)
            # Submitted again after a crash: the first submission is replayed, so its plan finishes the posts.
            at = Posted(str(meta["c"]), str(meta["m"])) if meta.get("c") and meta.get("m") else None
            after = self.progress(triage, outcome, actor, ref, at)
        except WrongKind as exc:  # the kind was corrected while the modal was open
            return Submission({"response_action": "errors", "errors": {first: str(exc)}})
        except InvalidRequest as exc:
            return Submission({"response_action": "errors", "errors": field_errors(str(exc), view)})
        except Exception as exc:  # told inside the modal, which stays open with the answers
            return Submission({"response_action": "errors",
                               "errors": {first: self.replies.refusal(exc, ref.incident_id)}})
        return Submission({}, lambda: self.show_progress(after, reply))

    def progress(self, triage: Triage, outcome: Outcome, actor: Actor, ref: StepRef, at: Posted | None
                 ) -> controls.AfterControl:
        """What follows a step's completion on every platform (bot/delivery/controls.py step_done)."""
        private = home_is_private(self.outbox.runner.ledger, ref.incident_id, is_dm)
        return controls.step_done(triage, outcome, actor, ref.incident_id, ref.step_id, self._when(None), PLATFORM,
                                  at=at, when=self._when, home_is_private=private,
                                  name_of=lambda reporter: self.people.actor(reporter).display_name)

    def show_progress(self, after: controls.AfterControl, reply: Reply) -> None:
        """After a step changed: the plan posts the next step and the end, then closes the finished step."""
        if after.plan is None or (view := after.outcome.incident) is None:
            return
        done = after.outcome.completed_step
        log_event(logging.INFO, "slack.step", incident_id=view.id, finished=after.outcome.finished,
                  step=done.step_id if done else None, replay=after.duplicate)
        self.outbox.deliver(reply, "step", after.plan)

    def correct_kind(self, body: dict[str, Any], action: dict[str, Any]) -> None:
        """kind_select: switch playbooks; redaction and the move to a private conversation are the plan's."""
        user, _, _, reply = self.replies.for_action(body)
        incident_id = int(str(action.get("block_id", "")).split("|", 1)[1])
        kind = (action.get("selected_option") or {}).get("value", "")
        with self.replies.guard(reply, "kind_select", incident_id):
            actor = self.people.actor(user, body["user"].get("name", ""))
            private = home_is_private(self.outbox.runner.ledger, incident_id, is_dm)
            after, before = controls.correct_kind(self.people.triage(), incident_id, kind, actor,
                                                  lambda reporter: self.people.actor(reporter).display_name,
                                                  home_is_private=private)
            if after.plan is None or after.outcome.incident is None:
                return
            log_event(logging.INFO, "slack.kind_corrected", incident_id=incident_id, old=before.kind,
                      new=after.outcome.incident.kind, replay=after.duplicate)
            self.outbox.deliver(reply, "kind_select", after.plan)
            if moved_private(after.plan):
                advise_earlier_repliers(self.replies.client, self.people.triage().queries, incident_id, self.render.t)

    def acknowledge(self, body: dict[str, Any], action: dict[str, Any]) -> None:
        """acknowledge: the core checks PR membership; the reporters are told, then the controls replaced."""
        user, _, _, reply = self.replies.for_action(body)
        incident_id = int(action["value"])
        with self.replies.guard(reply, "acknowledge", incident_id):
            actor = self.people.actor(user, body["user"].get("name", ""))
            triage = self.people.triage()
            after = controls.acknowledge(triage, incident_id, actor, self._when)
            if after.duplicate:  # clicked again (after a crash, or on a message posted meanwhile): who and when
                self.replies.say(reply, self.replies.plain(*after.outcome.messages), incident_id)
            if after.plan is None:
                return
            log_event(logging.INFO, "slack.acknowledged", incident_id=incident_id, user=actor.user_id,
                      replay=after.duplicate)
            self.outbox.deliver(reply, "acknowledge", after.plan)

    def acknowledged_again(self, incident_id: int, user: str) -> None:
        """An acknowledgement a crash left untold (bot/delivery/resume.py): acknowledged again, which repeats
        nothing but the posts the ledger lacks; a platform failure told to the acknowledger's DM."""
        actor = self.people.actor(user)
        after = controls.acknowledge(self.people.triage(), incident_id, actor, self._when)
        if after.plan is not None:
            self.outbox.deliver(self.replies.dm(slack_id(user)), "acknowledge", after.plan)

    def end(self, body: dict[str, Any], action: dict[str, Any]) -> None:
        """incident_resolve (対応完了にする): the core decides who may; the clicker and the conversation told, the
        button taken off, then the closing review and the records as at any end."""
        user, _, _, reply = self.replies.for_action(body)
        incident_id = int(action["value"])
        with self.replies.guard(reply, RESOLVE, incident_id):
            actor = self.people.actor(user, body["user"].get("name", ""))
            after = controls.end(self.people.triage(), incident_id, actor, self._when, PLATFORM)
            self.replies.say(reply, self.replies.plain(*after.outcome.messages), incident_id)
            log_event(logging.INFO, "slack.ended", incident_id=incident_id, user=actor.user_id,
                      replay=after.duplicate)
            if after.plan is not None:
                self.outbox.deliver(reply, RESOLVE, after.plan)

    def _when(self, at: datetime | None) -> str:
        return format_jst(at or self.people.now(), self.render.catalog.locale)
