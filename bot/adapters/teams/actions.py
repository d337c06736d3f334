"""Card actions on an incident: steps, kind correction, acknowledgement, ending it. The core call, then the plan's
delivery."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from microsoft_agents.activity import Activity

from bot.adapters.teams.cards import KIND_INPUT
from bot.adapters.teams.connector import is_personal, split_conversation
from bot.adapters.teams.payloads import ActionResult, incident_of, submitted_answers, value_of
from bot.adapters.teams.people import People
from bot.adapters.teams.port import PLATFORM
from bot.adapters.teams.replies import Replies, off_loop
from bot.clock import format_jst
from bot.delivery import controls
from bot.delivery.content import ControlsWithdrawn, Posted
from bot.delivery.earlier_replies import advise_noted_repliers, moved_private
from bot.delivery.ledger import Ledger
from bot.delivery.links import home_is_private
from bot.presenting import StepRef, plain_words
from bot.triage import lifecycle
from bot.triage.access import PermissionDenied
from bot.triage.core import InvalidRequest, StorageUnavailable, WrongKind
from bot.triage.sanitize import storable

log = logging.getLogger("incident_bot.teams")


def clicked(activity: Activity) -> Posted | None:
    """The message whose card was clicked."""
    if activity.conversation is None or not activity.reply_to_id:
        return None
    return Posted(split_conversation(activity.conversation.id)[0], str(activity.reply_to_id))


@dataclass(frozen=True)
class Actions:
    """step_done / step_skip, kind_select, acknowledge: the core call, then the plan's delivery."""

    people: People
    replies: Replies
    ledger: Ledger
    now: Callable[[], datetime]

    def when(self, at: datetime | None) -> str:
        return format_jst(at, self.replies.render.catalog.locale)

    async def step(self, activity: Activity, data: Any, *, skip: bool) -> ActionResult:
        """Complete the step with the card's inputs; the plan posts what follows, then closes the clicked card."""
        h = self.replies
        try:
            ref = StepRef.decode(str(value_of(data, "ref")))
        except (TypeError, ValueError):
            return ActionResult(text=h.t("teams.error.bad_action"))
        actor, triage = self.people.who(activity.from_property)
        answers = {} if skip else submitted_answers(data)
        try:
            outcome = await off_loop(lambda: triage.steps.complete(ref.incident_id, ref.step_id, actor, skip=skip,
                                                                   answers=answers, expected_kind=ref.kind))
        except InvalidRequest as exc:
            if isinstance(exc, StorageUnavailable):
                raise
            if isinstance(exc, WrongKind):  # a card of the playbook the incident left (kind corrected)
                return ActionResult(text=str(exc))
            steps = await off_loop(triage.steps.views, ref.incident_id, actor.user_id)
            step = next((s for s in steps if s.step_id == ref.step_id), None)
            card = h.render.step(step, ref.kind, error=str(exc), values=answers) if step else None
            view = await off_loop(triage.queries.view, ref.incident_id, actor.user_id)
            if step is not None and not lifecycle.is_open(view.status):  # ended: the card closes, as the end's plan
                card = h.render.messages(plain_words(ControlsWithdrawn(view, step), h.render.catalog) or ())
            return ActionResult(card=card, text=str(exc))
        private = await off_loop(home_is_private, self.ledger, ref.incident_id, is_personal)  # an answer may restrict
        after = await off_loop(lambda: controls.step_done(triage, outcome, actor, ref.incident_id, ref.step_id,
                                                          self.when(self.now()), PLATFORM, at=clicked(activity),
                                                          when=self.when, home_is_private=private,
                                                          name_of=self.people.name_of))
        if after.plan is not None:
            log.info("teams.step incident_id=%s step=%s finished=%s replay=%s", ref.incident_id, ref.step_id,
                     after.outcome.finished, after.duplicate)
            await h.deliver(after.plan, actor.user_id, "step")
        return ActionResult(text=h.t("teams.duplicate" if after.duplicate else "teams.received"))

    async def correct_kind(self, activity: Activity, data: Any) -> ActionResult:
        """kind_select: switch playbooks; redaction and the move to a private conversation are the plan's."""
        h = self.replies
        incident_id = incident_of(data)
        kind = storable(str(value_of(data, KIND_INPUT) or ""))
        if incident_id is None:
            return ActionResult(text=h.t("teams.error.bad_action"))
        actor, triage = self.people.who(activity.from_property)
        private = await off_loop(home_is_private, self.ledger, incident_id, is_personal)
        try:
            after, before = await off_loop(lambda: controls.correct_kind(
                triage, incident_id, kind, actor, self.people.name_of, home_is_private=private))
        except PermissionDenied:
            view = await off_loop(triage.queries.view, incident_id, actor.user_id)
            if not (view.restricted and view.details_visible):  # others: the refusal as it is (guests, unverified)
                raise
            # The reporter sees the button in their chat, but a leak's kind is PR's and security's (recorded)
            return ActionResult(text=h.t("teams.kind_restricted", ref=view.ref))
        if after.plan is None:
            return ActionResult(text=" ".join(after.outcome.messages) or h.t("teams.duplicate"))
        log.info("teams.kind_corrected incident_id=%s old=%s new=%s replay=%s", incident_id, before.kind,
                 after.outcome.incident.kind if after.outcome.incident else None, after.duplicate)
        await h.deliver(after.plan, actor.user_id, "kind_select")
        if moved_private(after.plan):  # the colleagues who had replied in the public thread, told privately
            await off_loop(advise_noted_repliers, h.runner, PLATFORM, incident_id, h.t)
        return ActionResult(text=h.t("teams.duplicate") if after.duplicate else h.t("teams.received"))

    async def acknowledge(self, activity: Activity, data: Any) -> ActionResult:
        """acknowledge: the core checks PR membership; the reporters are told, then the controls replaced."""
        h = self.replies
        incident_id = incident_of(data)
        if incident_id is None:
            return ActionResult(text=h.t("teams.error.bad_action"))
        actor, triage = self.people.who(activity.from_property)
        after = await off_loop(controls.acknowledge, triage, incident_id, actor, self.when, clicked(activity))
        # Clicked again (after a crash, or on a card posted meanwhile): the recorded outcome; the plan finishes.
        said = " ".join(after.outcome.messages)
        if after.plan is None:
            return ActionResult(text=said or h.t("teams.duplicate"))
        log.info("teams.acknowledged incident_id=%s user=%s replay=%s", incident_id, actor.user_id, after.duplicate)
        await h.deliver(after.plan, actor.user_id, "acknowledge")
        return ActionResult(text=said or h.t("teams.received"))

    async def end(self, activity: Activity, data: Any) -> ActionResult:
        """resolve (対応完了にする): the core decides who may; the conversation told, the control taken off, then
        the closing review and the records."""
        h = self.replies
        incident_id = incident_of(data)
        if incident_id is None:
            return ActionResult(text=h.t("teams.error.bad_action"))
        actor, triage = self.people.who(activity.from_property)
        after = await off_loop(controls.end, triage, incident_id, actor, self.when, PLATFORM)
        log.info("teams.ended incident_id=%s user=%s replay=%s", incident_id, actor.user_id, after.duplicate)
        if after.plan is not None:
            await h.deliver(after.plan, actor.user_id, "resolve")
        return ActionResult(text=" ".join(after.outcome.messages) or h.t("teams.received"))
