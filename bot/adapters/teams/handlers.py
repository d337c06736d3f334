"""Translation between Teams activities and the core: one entry point per activity or invoke type.

Crash safety as on Slack: the core's part of every interaction runs (and is stored) before Teams gets its HTTP
answer; what users see is planned by bot/delivery/plan.py and run after it by the pacer through the TeamsPort.
A redelivered activity or a second click meets the core's keys and turns into a replay that finishes the plan
without repeating a post (the ledger claims each once); a report nobody will resend is finished by resume.py.

No business rule lives here (the core's), nor ordering or where a conversation lives (the plan's).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any, TypeVar

from microsoft_agents.activity import Activity, ChannelAccount
from microsoft_agents.hosting.core import TurnContext
from sqlalchemy.exc import SQLAlchemyError

from bot import identity
from bot.adapters.teams.actions import Actions
from bot.adapters.teams.asking import ASK_REPORT, Asking
from bot.adapters.teams.cards import ACKNOWLEDGE, KIND_SELECT, STEP_DONE, STEP_SKIP
from bot.adapters.teams.connector import card_activity, split_conversation
from bot.adapters.teams.payloads import ActionResult, channel_data, incident_of
from bot.adapters.teams.port import PLATFORM
from bot.adapters.teams.records import REVIEW_SUBMIT, record_review
from bot.adapters.teams.reports import Reports
from bot.delivery import content as c
from bot.delivery import plan
from bot.delivery.content import DeliveryError, Place
from bot.delivery.pacing import Job
from bot.delivery.shared import submit_plan
from bot.ports import Actor
from bot.presenting import failure_text
from bot.triage.access import PermissionDenied
from bot.triage.core import InvalidRequest
from bot.triage.sanitize import storable
from bot.triage.service import Triage

if TYPE_CHECKING:
    from bot.adapters.teams.app import TeamsBot

log = logging.getLogger("incident_bot.teams")
T = TypeVar("T")
SDK_CONVERSATION_ID_LIMIT = 150  # the SDK's ConversationsOperations cut longer ids in the URLs it builds


class TeamsHandlers:
    """One coroutine per Teams interaction; each turns every failure into words for the user and a log line."""

    def __init__(self, bot: TeamsBot) -> None:
        self.bot = bot
        self.render = bot.render
        self.t = bot.render.t
        self.reports = Reports(self)
        self.actions = Actions(self)
        self.asking = Asking(self)
        self.verbs: dict[str, Callable[[Activity, Any], Awaitable[ActionResult]]] = {
            STEP_DONE: lambda activity, data: self.actions.step(activity, data, skip=False),
            STEP_SKIP: lambda activity, data: self.actions.step(activity, data, skip=True),
            KIND_SELECT: self.actions.correct_kind,
            ACKNOWLEDGE: self.actions.acknowledge,
            ASK_REPORT: self.asking.answer,
            REVIEW_SUBMIT: lambda activity, data: record_review(self, activity, data),
        }

    # -- dispatch: one function per activity / invoke type ------------------------------------------------------
    async def on_message(self, context: TurnContext) -> None:
        """A message activity: help, or a report (idempotent by the activity id)."""
        await self.reports.on_message(context)

    async def act(self, verb: str, activity: Activity, data: Any) -> ActionResult:
        """A card action (Action.Execute or its Action.Submit fallback); never raises."""
        try:
            self.learn(activity)
            return await self.verbs[verb](activity, data)
        except Exception as exc:
            return ActionResult(text=self.failure(exc, verb, incident_of(data)))

    # -- shared by the handlers ----------------------------------------------------------------------------------
    @staticmethod
    async def db(fn: Callable[..., T], *args: Any) -> T:
        """A core/database call (or a blocking port call) off the event loop."""
        return await asyncio.to_thread(fn, *args)

    def learn(self, activity: Activity) -> None:
        """What an activity tells the port: its conversation's service URL, the sender's Teams id and chat."""
        conversation = activity.conversation
        sender = activity.from_property
        if conversation is None or not conversation.id:
            return
        base, _ = split_conversation(conversation.id)
        tenant = conversation.tenant_id or channel_data(activity, "tenant", "id")
        user = self.user_id(sender) if sender is not None and sender.id and sender.role != "bot" else None
        personal = (conversation.conversation_type or ("groupChat" if conversation.is_group else "personal")
                    ) == "personal"
        self.bot.port.learn(base, activity.service_url, tenant, user=user, teams_id=sender.id if sender else None,
                            personal=personal)
        if user and sender is not None and sender.name:
            self.bot.names[user] = sender.name[:200]

    @staticmethod
    def user_id(account: ChannelAccount) -> str:
        """A Teams user as the core knows them: namespaced, by AAD object id when Teams gives one."""
        return identity.qualify(PLATFORM, storable(account.aad_object_id or account.id))

    def who(self, account: ChannelAccount | None) -> tuple[Actor, Triage]:
        if account is None or not account.id:
            raise InvalidRequest(self.t("teams.error.no_user"))
        return self.bot.actor(account), self.bot.triage(account)

    def failure(self, exc: BaseException, action: str, incident_id: int | None) -> str:
        """The words for a failed action (and its log line)."""
        if isinstance(exc, DeliveryError):
            log.error("teams.api_error incident_id=%s action=%s error=%s", incident_id, action, exc.code)
            return self.t("teams.error.api", error=exc.code)
        if isinstance(exc, PermissionDenied):
            log.warning("teams.denied incident_id=%s user=%s action=%s", exc.incident_id, exc.user_id, exc.action)
        elif isinstance(exc, SQLAlchemyError):
            log.error("teams.storage_error incident_id=%s action=%s error=%s", incident_id, action,
                      type(exc).__name__)
        text = self.bot.roster.refusal(exc, self.t) or failure_text(exc, self.bot.catalog, incident_id)  # parity
        if text is None:
            log.exception("teams.unexpected action=%s incident_id=%s", action, incident_id, exc_info=exc)
            return self.t("teams.error.unexpected")
        return text

    async def reply(self, context: TurnContext, *texts: str) -> None:
        """A short message in the conversation of the current turn (failures to say it are only logged)."""
        texts = tuple(dict.fromkeys(t for t in texts if t))
        if texts:
            await self.answer(context, card_activity(self.render.messages(texts), " ".join(texts)))

    async def answer(self, context: TurnContext, activity: Activity) -> None:
        """Send into the current turn's conversation: the SDK's reply, unless the id is longer than the SDK keeps
        in connector URLs (max_conversation_id_length): then the adapter's own call with the full id."""
        conversation = context.activity.conversation.id if context.activity.conversation else ""
        try:
            if len(conversation) <= SDK_CONVERSATION_ID_LIMIT:
                await context.send_activity(activity)
            else:
                port = self.bot.port
                await port.connector.send(port.target(*split_conversation(conversation)), activity)
        except Exception as exc:  # noqa: BLE001 - nothing else to tell it with
            log.error("teams.reply_failed error=%s", getattr(exc, "code", type(exc).__name__))

    def tell(self, user: str, *texts: str) -> None:
        """A private note (the user's personal chat); from a worker thread, failures only logged."""
        texts = tuple(dict.fromkeys(t for t in texts if t))
        if not texts:
            return
        try:
            self.bot.port.post_ephemeral(Place(user), user, c.Texts(texts))
        except Exception as exc:  # noqa: BLE001 - nothing else to tell it with
            log.error("teams.tell_failed error=%s", getattr(exc, "code", type(exc).__name__))

    async def deliver(self, steps: plan.Plan, user: str, action: str) -> None:
        """Run a plan after the core call, paced; failures told privately (and on the timeline, by the runner)."""
        if not await self.db(submit_plan, self.bot.pacer, self.bot.runner, steps,
                             lambda codes: self.tell(user, *(self.t("teams.error.api", error=code) for code in codes)),
                             lambda exc: self.tell(user, self.failure(exc, action, steps.incident_id))):
            log.warning("teams.delivery_deferred incident_id=%s action=%s", steps.incident_id, action)

    async def submit(self, job: Job, action: str, incident_id: int | None = None) -> None:
        """Queue work on the pacer (waits for room; left to resume when there is none)."""
        if not await self.db(self.bot.pacer.submit, job):
            log.warning("teams.delivery_deferred incident_id=%s action=%s", incident_id, action)

    def resume(self) -> int:
        """Finish reports whose posts a crash interrupted (resume.py); from the scheduler's thread."""
        from bot.adapters.teams.resume import resume_reports

        return resume_reports(self.bot)
