"""Translation between Teams activities and the core: activity -> neutral input -> core call -> cards.

No business rule lives here: who may do what, merging, transitions and validation are the core's. This
module decides where in Teams things are shown and how failures are told. Core calls run off the event
loop (`delivery.db`); every entry point turns any failure into words for the user and a log line.
"""

from __future__ import annotations

import hashlib
import logging
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING, Any, Literal

import aiohttp
from microsoft_agents.activity import Activity, ChannelAccount
from microsoft_agents.hosting.core import TurnContext
from sqlalchemy.exc import SQLAlchemyError

from bot.adapters.teams.cards import KIND_INPUT
from bot.adapters.teams.delivery import PLATFORM, Place, TeamsApiError, api_error, card_activity, split_conversation
from bot.adapters.teams.payloads import ActionResult, channel_data, incident_of, submitted_answers, value_of
from bot.adapters.teams.text import clean, message_text
from bot.clock import format_jst
from bot.delivery.resume import unfinished_reports
from bot.ports import Actor, ConversationRef, IncidentView, Outcome, ReportInput, StepView
from bot.presenting import StepRef, failure_text, is_help
from bot.triage.access import PermissionDenied
from bot.triage.core import InvalidRequest, StorageUnavailable
from bot.triage.service import Triage

if TYPE_CHECKING:
    from bot.adapters.teams.app import TeamsBot

log = logging.getLogger("incident_bot.teams")
Source = Literal["channel", "personal", "mention"]
_AT_NAME = re.compile(r"<at[^>]*>(.*?)</at>", re.IGNORECASE | re.DOTALL)


@dataclass(frozen=True)
class Origin:
    """Where a report came from: its source, the place to answer in, and the message that carried it."""

    source: Source
    place: Place
    activity_id: str
    mentioned: bool


class TeamsHandlers:
    """One coroutine per Teams interaction; each turns every failure into a message for the user."""

    def __init__(self, bot: TeamsBot) -> None:
        self.bot = bot
        self.delivery = bot.delivery
        self.render = bot.render
        self.t = bot.render.t

    # -- failures --------------------------------------------------------------------------------------------
    async def _record_api_error(self, exc: TeamsApiError, incident_id: int | None) -> None:
        log.error("teams.api_error incident_id=%s action=%s error=%s", incident_id, exc.action, exc.code)
        if incident_id is None:
            return
        try:
            await self.delivery.db(lambda: self.bot.triage().incidents.record_delivery_error(
                incident_id, platform=PLATFORM, action=exc.action, error=exc.code))
        except Exception:  # the log line above is all that is left
            log.error("teams.api_error_unrecorded incident_id=%s", incident_id)

    async def failure(self, exc: BaseException, action: str, incident_id: int | None) -> str:
        """The words for a failed action (and its log line / timeline entry)."""
        if isinstance(exc, TeamsApiError):
            await self._record_api_error(exc, incident_id)
            return self.t("teams.error.api", error=exc.code)
        if isinstance(exc, PermissionDenied):
            log.warning("teams.denied incident_id=%s user=%s action=%s", exc.incident_id, exc.user_id, exc.action)
        elif isinstance(exc, SQLAlchemyError):
            log.error("teams.storage_error incident_id=%s action=%s error=%s", incident_id, action, type(exc).__name__)
        text = self.bot.roster.refusal(exc, self.t) or failure_text(exc, self.bot.catalog, incident_id)  # parity
        if text is None:
            log.exception("teams.unexpected action=%s incident_id=%s", action, incident_id, exc_info=exc)
            return self.t("teams.error.unexpected")
        return text

    async def _attempt(self, failures: list[str], incident_id: int,
                       work: Callable[[], Awaitable[Any]]) -> None:
        """One side effect of a flow; a Teams failure is recorded and collected so the others still run."""
        try:
            await work()
        except TeamsApiError as exc:
            failures.append(await self.failure(exc, exc.action, incident_id))

    async def send(self, place: Place, activity: Activity, context: TurnContext | None = None) -> None:
        """Send into `place`: as a reply within the current turn when there is one, else via the outbox."""
        if context is None:
            await self.delivery.outbox.send(place, activity)
            return
        try:
            await context.send_activity(activity)
        except (aiohttp.ClientError, TimeoutError, OSError) as exc:
            raise api_error("reply", exc) from exc

    async def say(self, place: Place, *texts: str, context: TurnContext | None = None) -> None:
        """A short message in a conversation (failures to say it are only logged)."""
        texts = tuple(dict.fromkeys(t for t in texts if t))
        if not texts:
            return
        try:
            await self.send(place, card_activity(self.render.messages(texts), " ".join(texts)), context)
        except TeamsApiError as exc:
            log.error("teams.reply_failed action=%s error=%s", exc.action, exc.code)

    # -- who -------------------------------------------------------------------------------------------------
    def _who(self, account: ChannelAccount | None) -> tuple[Actor, Triage]:
        if account is None or not account.id:
            raise InvalidRequest(self.t("teams.error.no_user"))
        return self.bot.actor(account), self.bot.triage(account)

    # -- reports ---------------------------------------------------------------------------------------------
    def origin(self, activity: Activity) -> Origin | None:
        """Whether a message is a report, and where: personal chats, report channels' new posts, @mentions."""
        sender, bot = activity.from_property, activity.recipient
        if sender is None or not sender.id or sender.role == "bot":
            return None
        if bot is not None and sender.id == bot.id:
            return None
        conversation = activity.conversation
        base, root = split_conversation(conversation.id)
        kind = conversation.conversation_type or ("groupChat" if conversation.is_group else "personal")
        mentioned = bool(self._bot_names(activity))
        tenant = conversation.tenant_id or channel_data(activity, "tenant", "id")
        service_url = activity.service_url or self.bot.settings.service_url
        activity_id = str(activity.id or "")
        if kind == "personal":
            return Origin("personal", Place(base, None, service_url, tenant), activity_id, mentioned)
        if kind == "channel":
            root = root or activity_id
            top_level = root == activity_id
            channel = channel_data(activity, "channel", "id") or base
            place = Place(base, root, service_url, tenant)
            if channel in self.bot.settings.report_channels or base in self.bot.settings.report_channels:
                # New posts are reports; replies are conversation (an incident's own thread included).
                return Origin("channel", place, activity_id, mentioned) if top_level else None
            if not mentioned:
                return None
            if not top_level and self.bot.runtime.triage.queries.by_conversation(PLATFORM, place.key, root):
                return None  # a mention inside an incident's own thread is conversation, not a new report
            return Origin("mention", place, activity_id, mentioned)
        if not mentioned:  # group and meeting chats: only what is addressed to the bot
            return None
        return Origin("mention", Place(base, None, service_url, tenant), activity_id, mentioned)

    @staticmethod
    def _bot_names(activity: Activity) -> tuple[str, ...]:
        bot_id = activity.recipient.id if activity.recipient else None
        names: list[str] = []
        for mention in activity.get_mentions():
            if not mention.mentioned or not bot_id or mention.mentioned.id != bot_id:
                continue
            inner = _AT_NAME.search(mention.text or "")
            names += [n for n in (inner.group(1) if inner else None, mention.mentioned.name) if n]
        return tuple(names)

    async def on_message(self, context: TurnContext) -> None:
        """A message: help, or a report (idempotent by the activity id); answers go out within the turn."""
        activity = context.activity
        if activity.value is not None and not activity.text:
            return  # a card's submit whose verb is not ours (an old card, another app's data)
        try:
            origin = await self.delivery.db(self.origin, activity)
        except Exception as exc:  # the database could not say whether this is an incident's thread
            log.error("teams.origin_failed error=%s", type(exc).__name__)
            return
        if origin is None:
            return
        await self.bot.roster.observe_sender(self.bot.actor, context)  # parity: a report's sender (roster.py)
        text = message_text(activity.text, self._bot_names(activity))
        if is_help(text) and (origin.source != "channel" or origin.mentioned):
            await self.say(origin.place, self.t("teams.help"), context=context)
            return
        place = origin.place
        digest = hashlib.sha256(place.conversation.encode("utf-8")).hexdigest()[:12]
        key = f"teams:{activity.id}@{digest}"
        conversation = ConversationRef(PLATFORM, place.key, place.root or origin.activity_id)
        try:
            actor, triage = self._who(activity.from_property)
            report = ReportInput(text=text, reporter=actor, idempotency_key=key, conversation=conversation,
                                 explicit=origin.source != "channel" or origin.mentioned)
            outcome = await self.delivery.db(triage.incidents.report, report)
            if outcome.duplicate:  # redelivered (a crash before the 202): finish what the first one did not post
                outcome = await self.delivery.db(triage.incidents.replay_report, report) or outcome
            await self.show_report(outcome, origin, context)
        except Exception as exc:
            await self.say(place, await self.failure(exc, "report", None), context=context)

    async def show_report(self, outcome: Outcome, origin: Origin, context: TurnContext | None = None) -> None:
        """The outcome of a report: conversation adopted, intro and step 1 there, the PR card, replies."""
        view = outcome.incident
        if view is None:
            if origin.source != "channel":  # chatter in report channels gets no reply
                await self.say(origin.place, *outcome.messages, context=context)
            return
        if outcome.duplicate and not (outcome.created or outcome.merged):
            log.info("teams.report_duplicate incident_id=%s source=%s", view.id, origin.source)
            return
        log.info("teams.report incident_id=%s source=%s created=%s merged=%s kind=%s", view.id, origin.source,
                 outcome.created, outcome.merged, view.kind)
        failures: list[str] = []
        if outcome.merged:
            await self._attempt(failures, view.id, lambda: self._tell_merged(outcome, origin, context))
        else:
            # Once per incident (bot/delivery/ledger.py's lease): a redelivery or resume finds it done or in hand.
            if not await self.delivery.begin_report(view.id, origin.place):
                return
            await self.delivery.adopt_home(view.id, origin.place, origin.activity_id)
            await self._attempt(failures, view.id, lambda: self.delivery.post_intro(view.id, outcome.messages,
                                                                                    view.kind))
            if outcome.step is not None:
                step = outcome.step
                await self._attempt(failures, view.id,
                                    lambda: self.delivery.post_step(view.id, view.kind, step))
            for note in outcome.notifications:
                await self._attempt(failures, view.id, partial(self.delivery.post_notification, note, view))
            await self.delivery.end_report(view.id, origin.place)  # failures included: told, on the timeline
        if failures:
            await self.say(origin.place, *failures, context=context)

    async def resume(self) -> int:
        """Finish reports whose posts a crash interrupted (bot/delivery/resume.py); returns how many were seen.
        A report whose conversation was never recorded cannot be reached (its service URL is unknown): logged."""
        triage = self.bot.triage()
        pending = await self.delivery.db(unfinished_reports, triage.queries, PLATFORM, self.bot.now())
        for incident_id in pending:
            place = await self.delivery.home(incident_id)
            if place is None:
                log.warning("teams.resume_no_conversation incident_id=%s", incident_id)
                continue
            outcome = await self.delivery.db(triage.incidents.replay_created, incident_id)
            log.warning("teams.report_resumed incident_id=%s", incident_id)
            origin = Origin("channel" if place.is_channel else "personal", place, place.root or "", False)
            await self.show_report(outcome, origin)
        return len(pending)

    async def _tell_merged(self, outcome: Outcome, origin: Origin, context: TurnContext | None) -> None:
        assert outcome.incident is not None
        texts = list(outcome.messages)
        link = await self.delivery.thread_link(outcome.incident.id)
        content = self.render.messages(texts)
        if link:
            content["actions"] = [{"type": "Action.OpenUrl", "title": self.t("teams.pr.open_thread"),
                                   "url": link}]
        await self.send(origin.place, card_activity(content, " ".join(texts)), context)

    # -- card actions ----------------------------------------------------------------------------------------
    async def act(self, verb: str, activity: Activity, data: Any) -> ActionResult:
        """Run a card action (Action.Execute or its Action.Submit fallback); never raises."""
        handlers = {"step_done": lambda: self.step(activity, data, skip=False),
                    "step_skip": lambda: self.step(activity, data, skip=True),
                    "kind_select": lambda: self.correct_kind(activity, data),
                    "acknowledge": lambda: self.acknowledge(activity, data)}
        incident_id = incident_of(data)
        try:
            return await handlers[verb]()
        except Exception as exc:
            return ActionResult(text=await self.failure(exc, verb, incident_id))

    async def step(self, activity: Activity, data: Any, *, skip: bool) -> ActionResult:
        """step_done / step_skip: complete the step (with the card's inputs), update it, post the next."""
        try:
            ref = StepRef.decode(str(value_of(data, "ref")))
        except (TypeError, ValueError):
            return ActionResult(text=self.t("teams.error.bad_action"))
        actor, triage = self._who(activity.from_property)
        view = await self.delivery.db(triage.queries.view, ref.incident_id, actor.user_id)
        if view.kind != ref.kind:  # a card of the playbook the incident left (kind corrected)
            return ActionResult(text=self.t("teams.step.stale"))
        answers = {} if skip else submitted_answers(data)
        try:
            outcome = await self.delivery.db(lambda: triage.steps.complete(
                ref.incident_id, ref.step_id, actor, skip=skip, answers=answers, expected_kind=ref.kind))
        except InvalidRequest as exc:
            if isinstance(exc, StorageUnavailable):
                raise
            step = await self._step_view(triage, ref, actor)
            card = self.render.step(step, ref.kind, error=str(exc), values=answers) if step else None
            return ActionResult(card=card, text=str(exc))
        if outcome.duplicate or outcome.incident is None:
            return ActionResult(text=self.t("teams.duplicate"))
        return await self.show_progress(outcome, actor, clicked=activity.reply_to_id)

    async def _step_view(self, triage: Triage, ref: StepRef, actor: Actor) -> StepView | None:
        steps = await self.delivery.db(triage.steps.views, ref.incident_id, actor.user_id)
        return next((s for s in steps if s.step_id == ref.step_id), None)

    async def show_progress(self, outcome: Outcome, actor: Actor, clicked: str | None = None) -> ActionResult:
        """After a step changed: its card updated in place, the next one posted, the end announced."""
        view = outcome.incident
        assert view is not None
        log.info("teams.step incident_id=%s step=%s status=%s finished=%s", view.id,
                 outcome.completed_step.step_id if outcome.completed_step else None,
                 outcome.completed_step.status if outcome.completed_step else None, outcome.finished)
        failures: list[str] = []
        # The plan's rule (bot/delivery/plan.py): what follows is posted before the clicked card loses its buttons,
        # so a failure or crash in between leaves something to click again.
        if outcome.step is not None:
            following = outcome.step
            await self._attempt(failures, view.id,
                                lambda: self.delivery.post_step(view.id, view.kind, following))
        if outcome.messages and not failures:
            texts = outcome.messages
            if outcome.finished:
                await self._attempt(failures, view.id, lambda: self.delivery.post_finished(view.id, texts))
            else:
                await self._attempt(failures, view.id, lambda: self.delivery.post_messages(view.id, texts))
        closed: dict[str, Any] | None = None
        if outcome.completed_step is not None and not failures:
            done = outcome.completed_step
            when = format_jst(self.bot.now(), self.bot.catalog.locale)
            closed = self.render.step_closed(done, actor.display_name, when)
            summary = self.t("step.heading", index=done.index, total=done.total, title=done.title)
            card = closed
            await self._attempt(failures, view.id, lambda: self.delivery.update_step(
                view.id, view.kind, done.step_id, card, summary, clicked=clicked))
        if failures:
            return ActionResult(card=None, text="\n".join(dict.fromkeys(failures)))
        return ActionResult(card=closed)

    async def correct_kind(self, activity: Activity, data: Any) -> ActionResult:
        """kind_select: switch playbooks; the old pending step marked unused, the new step 1 posted."""
        incident_id = incident_of(data)
        kind = clean(str(value_of(data, KIND_INPUT) or ""))
        if incident_id is None:
            return ActionResult(text=self.t("teams.error.bad_action"))
        actor, triage = self._who(activity.from_property)
        before = await self.delivery.db(triage.queries.view, incident_id, actor.user_id)
        old_step = await self.delivery.db(triage.steps.current, incident_id, actor.user_id)
        outcome = await self.delivery.db(triage.incidents.correct_kind, incident_id, kind, actor)
        view = outcome.incident
        if outcome.duplicate or view is None:
            return ActionResult(text=" ".join(outcome.messages) or self.t("teams.duplicate"))
        log.info("teams.kind_corrected incident_id=%s old=%s new=%s", incident_id, before.kind, view.kind)
        failures: list[str] = []
        if view.restricted and not before.restricted:  # redact before anything else (bot/delivery/plan.py)
            await self._attempt(failures, incident_id, lambda: self._redraw_notifications(view))
        if old_step is not None:
            superseded = self.render.step_superseded(old_step)
            await self._attempt(failures, incident_id, lambda: self.delivery.update_step(
                incident_id, before.kind, old_step.step_id, superseded, old_step.title))
        await self._attempt(failures, incident_id,
                            lambda: self.delivery.post_messages(incident_id, outcome.messages))
        if outcome.step is not None:
            step = outcome.step
            await self._attempt(failures, incident_id,
                                lambda: self.delivery.post_step(incident_id, view.kind, step, fresh=True))
        if failures:
            return ActionResult(text="\n".join(dict.fromkeys(failures)))
        return ActionResult(text="\n".join(outcome.messages), public=True)

    def _acknowledged_text(self, view: IncidentView) -> str | None:
        if view.acknowledged_at is None:
            return None
        return self.t("teams.pr.acknowledged", who=view.acknowledged_by or "",
                      when=format_jst(view.acknowledged_at, self.bot.catalog.locale))

    async def _redraw_notifications(self, view: IncidentView) -> dict[str, Any]:
        """Draw every notification card of the incident again from its current state; returns level 1's."""
        link = await self.delivery.thread_link(view.id)
        acknowledged = self._acknowledged_text(view)

        def draw(level: int) -> dict[str, Any]:
            return self.render.notification_after(view, link, acknowledged=acknowledged, level=level)
        await self.delivery.rewrite_notifications(view.id, draw, view.ref)
        return draw(1)

    async def acknowledge(self, activity: Activity, data: Any) -> ActionResult:
        """acknowledge: the core checks PR membership; every PR card is updated and the reporter told."""
        incident_id = incident_of(data)
        if incident_id is None:
            return ActionResult(text=self.t("teams.error.bad_action"))
        actor, triage = self._who(activity.from_property)
        outcome = await self.delivery.db(triage.incidents.acknowledge, incident_id, actor)
        view = outcome.incident
        if outcome.duplicate or view is None:
            return ActionResult(text=" ".join(outcome.messages) or self.t("teams.duplicate"))
        log.info("teams.acknowledged incident_id=%s user=%s", incident_id, actor.user_id)
        failures: list[str] = []
        card: dict[str, Any] = {}

        async def redraw() -> None:
            card.update(await self._redraw_notifications(view))
        await self._attempt(failures, incident_id, redraw)
        await self._attempt(failures, incident_id,
                            lambda: self.delivery.post_messages(incident_id, outcome.messages))
        if failures:
            return ActionResult(text="\n".join(dict.fromkeys(failures)))
        return ActionResult(card=card or None, text=" ".join(outcome.messages), public=True)
