"""The Teams adapter: an AgentApplication (Microsoft 365 Agents SDK) holding the core, built by a factory.

Nothing happens at import time: `build_teams_app(runtime, settings, credentials)` makes the SDK objects
(in-memory SDK state storage, connection manager, CloudAdapter, AgentApplication) and registers the
routes; `TeamsBot.web_app()` makes the aiohttp application serving POST /api/messages.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from aiohttp import web
from microsoft_agents.activity import Activity, ActivityTypes, AdaptiveCardInvokeResponse, ChannelAccount, ContentTypes
from microsoft_agents.authentication.msal import MsalConnectionManager
from microsoft_agents.hosting.aiohttp import CloudAdapter, jwt_authorization_decorator
from microsoft_agents.hosting.core import (
    AgentApplication,
    ApplicationOptions,
    MemoryStorage,
    OutboundHostValidator,
    TurnContext,
    TurnState,
)
from sqlalchemy import text

from bot import identity
from bot.adapters.teams.asking import ASK_REPORT
from bot.adapters.teams.cards import VERBS, CardRenderer
from bot.adapters.teams.connector import Connector
from bot.adapters.teams.handlers import TeamsHandlers
from bot.adapters.teams.parity import register_parity  # parity: routes of the parity features
from bot.adapters.teams.payloads import ActionResult
from bot.adapters.teams.port import PLATFORM, TeamsPort
from bot.adapters.teams.records import register_records
from bot.adapters.teams.render_content import REVIEW_SUBMIT
from bot.adapters.teams.request_checks import anonymous_refusal, unsigned_refusal  # hardening
from bot.adapters.teams.roster import Roster, observe_sender  # parity: roster.py
from bot.adapters.teams.settings import TeamsCredentials, TeamsSettings
from bot.chat_sections import SectionError, read_section
from bot.clock import format_jst
from bot.delivery.content import Posted
from bot.delivery.ledger import Ledger
from bot.delivery.pacing import Pacer
from bot.delivery.runner import Runner
from bot.delivery.shared import error_recorder
from bot.i18n import Catalog
from bot.ports import Actor, Notification
from bot.presenting import notification_channel
from bot.triage.platform_access import PlatformCore
from bot.triage.sanitize import storable
from bot.triage.service import Triage
from bot.triage.summary_model import WeeklySummary
from bot.wiring import Runtime

log = logging.getLogger("incident_bot.teams")
MESSAGES_PATH = "/api/messages"
HEALTH_PATH = "/healthz"
SYNC_TIMEOUT = 120.0  # how long a scheduler thread waits for a post on the event loop


class TeamsConfigError(Exception):
    """The Teams credentials or settings cannot run the app; the message says which (ja + en)."""


def sdk_configuration(credentials: TeamsCredentials) -> dict[str, Any]:
    """The SDK's connection settings from TEAMS_* (anonymous mode when no app id is set)."""
    if credentials.anonymous:
        settings: dict[str, Any] = {"ANONYMOUS_ALLOWED": True}
    else:
        assert credentials.app_password is not None
        settings = {"AUTHTYPE": "ClientSecret", "CLIENTID": credentials.app_id,
                    "CLIENTSECRET": credentials.app_password.get_secret_value(),
                    "TENANTID": credentials.tenant_id}
    return {"CONNECTIONS": {"SERVICE_CONNECTION": {"SETTINGS": settings}}}


@dataclass
class TeamsBot:
    """The SDK application and the core it translates for; routes reach the core only through `handlers`."""

    runtime: Runtime
    settings: TeamsSettings
    credentials: TeamsCredentials
    catalog: Catalog
    render: CardRenderer
    adapter: CloudAdapter
    app: AgentApplication[TurnState]
    connection_manager: MsalConnectionManager
    port: TeamsPort = field(init=False)
    ledger: Ledger = field(init=False)
    runner: Runner = field(init=False)
    # Runs the delivery plans that follow a stored core change, paced per conversation (bot/delivery/pacing.py).
    pacer: Pacer = field(init=False)
    handlers: TeamsHandlers = field(init=False)
    roster: Roster = field(init=False)  # parity: guests and other tenants (roster.py)
    loop: asyncio.AbstractEventLoop | None = field(default=None, init=False)
    names: dict[str, str] = field(default_factory=dict, init=False)  # user id -> display name seen last
    core: PlatformCore = field(init=False)  # the core with this platform's members (bot/triage/platform_access.py)

    # -- identity and access -------------------------------------------------------------------------------
    def actor(self, account: ChannelAccount) -> Actor:
        """A Teams user as the core's Actor: namespaced, by AAD object id when Teams gives one, else the user id."""
        user_id = TeamsHandlers.user_id(account)
        return Actor(user_id=user_id, display_name=storable(account.name)[:200] or user_id, platform=PLATFORM)

    def name_of(self, user_id: str) -> str:
        """A user's display name as last seen in an activity (their id when none was seen since start-up)."""
        return self.names.get(user_id) or identity.raw(PLATFORM, user_id) or user_id

    def triage(self, account: ChannelAccount | None = None) -> Triage:
        """The core with the Teams PR members, security officers, outsiders and unverified users in its policy.

        Members may be configured by AAD object id or Teams user id (namespaced `teams:…` or bare); either id of
        the account at hand makes the id the core sees (`actor`) a member.
        """
        outsiders, unverified = self.roster.snapshot()  # parity: guests and other tenants (roster.py)
        if account is None:
            return self.core.get(outsiders=outsiders, unverified=unverified)
        return self.core.get(user=self.actor(account).user_id, aliases=[i for i in (account.id, account.aad_object_id)
                                                                         if i], outsiders=outsiders,
                             unverified=unverified)

    def now(self) -> datetime:
        """The core's clock (so tests and timelines agree)."""
        return self.runtime.triage.deps.clock.now()

    # -- web -------------------------------------------------------------------------------------------------
    def web_app(self) -> web.Application:
        """POST /api/messages (JWT-checked unless anonymous), GET /healthz; binds the loop on start."""
        auth_config = self.connection_manager.get_default_connection_configuration()

        @jwt_authorization_decorator
        async def checked(request: web.Request) -> web.StreamResponse:
            if self.credentials.anonymous:
                refusal = await anonymous_refusal(request)
                if refusal is not None:
                    return refusal
            return await self.adapter.process(request, self.app)

        async def messages(request: web.Request) -> web.StreamResponse:
            refusal = None if self.credentials.anonymous else unsigned_refusal(request)  # hardening
            return refusal or await checked(request)

        async def health(request: web.Request) -> web.StreamResponse:
            try:
                await asyncio.to_thread(self._database_ok)
            except Exception as exc:  # the probe reports it; the log says why
                log.error("teams.health_failed error=%s", type(exc).__name__)
                return web.Response(status=503, text="database unavailable\n")
            return web.Response(text="ok\n")

        async def bind(application: web.Application) -> None:
            self.loop = asyncio.get_running_loop()

        application = web.Application(client_max_size=1024 * 1024)
        application["agent_configuration"] = auth_config
        application.router.add_post(MESSAGES_PATH, messages)
        application.router.add_get(HEALTH_PATH, health)
        application.on_startup.append(bind)
        return application

    def _database_ok(self) -> None:
        with self.runtime.engine.connect() as connection:
            connection.execute(text("SELECT 1"))

    # -- the scheduler's side (called from its threads) ------------------------------------------------------
    def run(self, coroutine: Any) -> Any:
        """Run a coroutine on the app's event loop from another thread (pacing's workers, the scheduler)."""
        if self.loop is None or not self.loop.is_running():
            coroutine.close()
            raise RuntimeError("the Teams app is not serving (no event loop to post from)")
        try:
            running: asyncio.AbstractEventLoop | None = asyncio.get_running_loop()
        except RuntimeError:
            running = None
        if running is self.loop:  # waiting here would block the loop that must run it
            coroutine.close()
            raise RuntimeError("a blocking Teams call on the event loop")
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result(SYNC_TIMEOUT)

    def deliver_notification(self, note: Notification) -> None:
        """For the scheduler: post an escalation with its level's mention (raises so a failure is retried).
        Acknowledged while it was being posted: its button comes off at once."""
        self.runner.notify(note, lambda at: format_jst(at, self.catalog.locale))
        log.info("teams.escalation_posted incident_id=%s level=%s", note.incident_id, note.level)

    def resume_reports(self) -> int:
        """For the scheduler: finish reports whose posts a crash interrupted (bot/delivery/resume.py)."""
        return self.handlers.resume()

    def publish_summary(self, summary: WeeklySummary, png: bytes | None) -> None:
        """For the scheduler: post the weekly summary to teams.summary_channel (summary_post.py)."""
        from bot.adapters.teams.summary_post import summary_publisher

        summary_publisher(self)(summary, png)


def _invoke_response(result: ActionResult) -> AdaptiveCardInvokeResponse:
    """The answer to an Action.Execute: the card's new state for the clicker, or a short message."""
    if result.card is not None:
        return AdaptiveCardInvokeResponse(status_code=200, type=ContentTypes.adaptive_card, value=result.card)
    return AdaptiveCardInvokeResponse(status_code=200, type=ContentTypes.message, value=result.text or " ")


def _register(bot: TeamsBot) -> None:
    """Routes: Action.Execute per verb, the Action.Submit fallbacks, then messages."""
    app, handlers = bot.app, bot.handlers

    for verb in (*VERBS, ASK_REPORT, REVIEW_SUBMIT):
        async def execute(context: TurnContext, state: TurnState, data: Any, verb: str = verb
                          ) -> AdaptiveCardInvokeResponse:
            await observe_sender(bot, context)  # parity: outsiders refused by the core (roster.py)
            return _invoke_response(await handlers.act(verb, context.activity, data))

        async def submit(context: TurnContext, state: TurnState, data: Any, verb: str = verb) -> None:
            await observe_sender(bot, context)  # parity: roster.py
            result = await handlers.act(verb, context.activity, data)
            user = handlers.user_id(context.activity.from_property)
            if result.text and bot.roster.standing(user) in ("guest", "external"):  # parity: told where they
                await handlers.reply(context, result.text)  # clicked (the bot may not reach their personal chat)
            elif result.text:  # Teams has no private reply: the clicker's personal chat
                await handlers.db(handlers.tell, user, result.text)

        app.adaptive_card.action_execute(verb)(execute)
        app.adaptive_card.action_submit(verb)(submit)

    async def message(context: TurnContext, state: TurnState) -> None:
        await handlers.on_message(context)

    app.message()(message)
    register_parity(bot)  # parity: message action, reaction capture (extension.py, reactions.py)
    register_records(bot)  # the files' consent at an incident's end (records.py)

    async def on_error(context: TurnContext, error: Exception) -> None:
        log.error("teams.turn_failed type=%s", context.activity.type if context.activity else None,
                  exc_info=error)

    app.error(on_error)


def _turn_error_handler(catalog: Catalog) -> Any:
    """The adapter's last resort: log, and tell the user without internals (the SDK's default echoes them)."""

    async def on_turn_error(context: TurnContext, error: Exception) -> None:
        log.error("teams.pipeline_failed", exc_info=error)
        if context.activity is not None and context.activity.type == ActivityTypes.message:
            try:
                await context.send_activity(Activity(type=ActivityTypes.message,
                                                     text=catalog.t("teams.error.unexpected")))
            except Exception:
                log.error("teams.pipeline_error_unsent")

    return on_turn_error


def _wire_delivery(bot: TeamsBot) -> None:
    """The delivery layer on Teams: port, ledger, pacer (per-conversation turns), runner."""
    settings, triage = bot.settings, bot.runtime.triage
    bot.port = TeamsPort(Connector(bot.adapter, bot.credentials), bot.render, settings, bot.run,
                         tenant=bot.credentials.tenant_id)
    bot.ledger = Ledger(lambda: triage.queries, PLATFORM)

    def home_link(incident_id: int) -> str | None:
        home = bot.ledger.home(incident_id)
        return bot.port.permalink(Posted(home.channel, home.thread)) if home and home.thread else None
    bot.port.home_link = home_link
    bot.pacer = Pacer(lambda conversation: settings.post_interval_seconds, max_pending=settings.delivery_queue_limit,
                      name="teams-delivery")

    bot.runner = Runner(bot.port, bot.ledger, lambda restricted: notification_channel(
        restricted, settings.pr_channel, settings.restricted_channel), error_recorder(triage.incidents, PLATFORM),
        chain_length=len(triage.deps.escalation.levels), turn=bot.pacer.turn, wait=time.sleep, latest=bot.pacer.latest)


def build_teams_app(runtime: Runtime, settings: TeamsSettings, credentials: TeamsCredentials | None = None,
                    *, environ: Mapping[str, str] | None = None) -> TeamsBot:
    """Build the adapter: SDK connection manager, CloudAdapter, AgentApplication, cards, delivery, routes.

    `credentials` default to TEAMS_APP_ID / TEAMS_APP_PASSWORD / TEAMS_TENANT_ID from `environ` (or the
    process environment); with no app id the bot runs in anonymous mode (local testing only).
    """
    import os

    credentials = credentials or TeamsCredentials.from_env(os.environ if environ is None else environ)
    missing = credentials.missing()
    if missing:
        raise TeamsConfigError(f"環境変数が設定されていません / environment variables not set: {', '.join(missing)}")
    config = sdk_configuration(credentials)
    connection_manager = MsalConnectionManager(**config)
    if credentials.anonymous:
        validator = OutboundHostValidator(enabled=False)  # anonymous requests are limited to loopback instead
    else:
        validator = OutboundHostValidator(list(settings.allowed_service_hosts), enabled=True)
    adapter = CloudAdapter(connection_manager=connection_manager, host_validator=validator)
    adapter.on_turn_error = _turn_error_handler(runtime.triage.catalog)
    storage = MemoryStorage()  # SDK turn state only; incidents, refs and idempotency live in the database
    options = ApplicationOptions(storage=storage, bot_app_id=credentials.app_id or "",
                                 remove_recipient_mention=False, start_typing_timer=False)
    app = AgentApplication[TurnState](options, connection_manager=connection_manager)
    catalog = runtime.triage.catalog
    render = CardRenderer(catalog, runtime.library.kinds())
    bot = TeamsBot(runtime=runtime, settings=settings, credentials=credentials, catalog=catalog,
                   render=render, adapter=adapter, app=app, connection_manager=connection_manager)
    bot.core = PlatformCore(runtime.triage, PLATFORM, settings.pr_members, settings.security_officers)
    _wire_delivery(bot)
    bot.handlers = TeamsHandlers(bot)
    bot.roster = Roster(settings.tenant_id or credentials.tenant_id,  # parity: roster.py
                        connector=bot.port.connector, service_url=settings.service_url)
    _register(bot)
    if credentials.anonymous:
        log.warning("teams.anonymous_mode: TEAMS_APP_ID is not set; only local requests (Agents Playground) "
                    "are accepted")
    return bot


def teams_settings(runtime: Runtime) -> TeamsSettings:
    """The `teams:` block of app.yaml, validated here (config knows no adapter); errors name file and field."""
    try:
        return read_section(runtime.settings, "teams", TeamsSettings)
    except SectionError as exc:
        raise TeamsConfigError(str(exc)) from None


__all__ = ["TeamsBot", "TeamsConfigError", "build_teams_app", "teams_settings", "sdk_configuration",
           "MESSAGES_PATH", "HEALTH_PATH", "PLATFORM"]
