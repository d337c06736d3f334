"""The Teams adapter, built once by `build_teams_app` (Microsoft 365 Agents SDK), in order, each part given only
what it needs (nothing at import time, nothing set after construction); `TeamsBot.web_app()` serves it."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from aiohttp import web
from microsoft_agents.activity import Activity, ActivityTypes
from microsoft_agents.authentication.msal import MsalConnectionManager
from microsoft_agents.hosting.aiohttp import CloudAdapter, jwt_authorization_decorator
from microsoft_agents.hosting.core import (
    AgentApplication,
    ApplicationOptions,
    MemoryStorage,
    OutboundHostValidator,
    RestChannelServiceClientFactory,
    TurnContext,
    TurnState,
)

from bot.adapters.teams import routes
from bot.adapters.teams.actions import Actions
from bot.adapters.teams.cards import CardRenderer
from bot.adapters.teams.connector import Connector
from bot.adapters.teams.people import People
from bot.adapters.teams.port import PLATFORM, TeamsPort
from bot.adapters.teams.replies import Replies
from bot.adapters.teams.reports import Reports
from bot.adapters.teams.request_checks import anonymous_refusal, unsigned_refusal  # hardening
from bot.adapters.teams.roster import Roster
from bot.adapters.teams.settings import TeamsCredentials, TeamsSettings
from bot.chat_sections import SectionError, read_section
from bot.clock import format_jst
from bot.delivery import unreached
from bot.delivery.assembly import build_delivery
from bot.delivery.health import database_ok
from bot.delivery.ledger import Ledger
from bot.delivery.pacing import Pacer
from bot.delivery.runner import Runner
from bot.i18n import Catalog
from bot.ports import Notification
from bot.triage.platform_access import PlatformCore
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


class LoopBridge:
    """The app's event loop, bound when the web app starts: coroutines run on it from other threads."""

    def __init__(self) -> None:
        self.loop: asyncio.AbstractEventLoop | None = None

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


class AdapterWithErrorHandler(CloudAdapter):
    """The SDK's CloudAdapter whose last resort logs and tells the user without internals (the default echoes)."""

    def __init__(self, catalog: Catalog, **options: Any) -> None:
        super().__init__(**options)

        async def on_turn_error(context: TurnContext, error: Exception) -> None:
            log.error("teams.pipeline_failed", exc_info=error)
            if context.activity is not None and context.activity.type == ActivityTypes.message:
                try:
                    await context.send_activity(Activity(type=ActivityTypes.message,
                                                         text=catalog.t("teams.error.unexpected")))
                except Exception:
                    log.error("teams.pipeline_error_unsent")

        self.on_turn_error = on_turn_error


@dataclass(frozen=True)
class TeamsBot:
    """What the factory built, for the CLI, the scheduler and tests; routes never see it."""

    runtime: Runtime
    settings: TeamsSettings
    credentials: TeamsCredentials
    catalog: Catalog
    render: CardRenderer
    adapter: CloudAdapter
    app: AgentApplication[TurnState]
    connection_manager: MsalConnectionManager
    bridge: LoopBridge
    port: TeamsPort
    pacer: Pacer  # runs the plans that follow a stored core change, paced per conversation
    runner: Runner
    people: People
    reports: Reports

    @property
    def loop(self) -> asyncio.AbstractEventLoop | None:
        return self.bridge.loop

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
            if await asyncio.to_thread(database_ok, self.runtime.engine, PLATFORM):
                return web.Response(text="ok\n")
            return web.Response(status=503, text="database unavailable\n")

        async def bind(application: web.Application) -> None:
            self.bridge.loop = asyncio.get_running_loop()

        application = web.Application(client_max_size=1024 * 1024)
        application["agent_configuration"] = auth_config
        application.router.add_post(MESSAGES_PATH, messages)
        application.router.add_get(HEALTH_PATH, health)
        application.on_startup.append(bind)
        return application

    # -- the scheduler's side (called from its threads) ------------------------------------------------------
    def deliver_notification(self, note: Notification) -> None:
        """For the scheduler: post an escalation with its level's mention (raises so a failure is retried).
        Acknowledged while it was being posted: its button comes off at once."""
        unreached.notify(self.runner, self.catalog, note, lambda at: format_jst(at, self.catalog.locale))
        log.info("teams.escalation_posted incident_id=%s level=%s", note.incident_id, note.level)

    def resume_reports(self) -> int:
        """For the scheduler: finish reports whose posts a crash interrupted (Reports.resume)."""
        return self.reports.resume()

    def publish_summary(self, summary: WeeklySummary, png: bytes | None) -> None:
        """For the scheduler: post the weekly summary to teams.summary_channel (summary_post.py)."""
        from bot.adapters.teams.summary_post import summary_publisher

        summary_publisher(self)(summary, png)


def build_teams_app(runtime: Runtime, settings: TeamsSettings, credentials: TeamsCredentials | None = None,
                    *, environ: Mapping[str, str] | None = None) -> TeamsBot:
    """Build the adapter: SDK connection manager, CloudAdapter, AgentApplication, cards, delivery, routes."""
    import os

    credentials = credentials or TeamsCredentials.from_env(os.environ if environ is None else environ)
    missing = credentials.missing()
    if missing:
        raise TeamsConfigError(f"環境変数が設定されていません / environment variables not set: {', '.join(missing)}")
    triage, catalog = runtime.triage, runtime.triage.catalog
    connection_manager = MsalConnectionManager(**sdk_configuration(credentials))
    # Anonymous requests are limited to loopback instead (request_checks.py).
    validator = OutboundHostValidator(list(settings.allowed_service_hosts), enabled=not credentials.anonymous)
    clients = RestChannelServiceClientFactory(connection_manager)  # the adapter's replies and our own calls
    adapter = AdapterWithErrorHandler(catalog, connection_manager=connection_manager,
                                      channel_service_client_factory=clients, host_validator=validator)
    options = ApplicationOptions(storage=MemoryStorage(),  # SDK turn state only; the database keeps the rest
                                 bot_app_id=credentials.app_id or "", remove_recipient_mention=False,
                                 start_typing_timer=False)
    app = AgentApplication[TurnState](options, connection_manager=connection_manager)
    render = CardRenderer(catalog, runtime.library.kinds())
    bridge = LoopBridge()
    ledger = Ledger(lambda: triage.queries, PLATFORM)
    connector = Connector(clients, credentials)
    port = TeamsPort(connector, render, settings, bridge.run, ledger, tenant=credentials.tenant_id)
    pacer, runner = build_delivery(triage, port, ledger, interval=settings.post_interval_seconds,
                                   max_pending=settings.delivery_queue_limit, pr_channel=settings.pr_channel,
                                   restricted_channel=settings.restricted_channel)
    # Guests and other tenants are outsiders to the core (roster.py).
    roster = Roster(settings.tenant_id or credentials.tenant_id, connector=connector, service_url=settings.service_url)
    people = People(PlatformCore(triage, PLATFORM, settings.pr_members, settings.security_officers), roster, port)
    replies = Replies(render, port, roster, pacer, runner)
    reports = Reports(people, replies, settings)
    routes.register(app, reports, Actions(people, replies, ledger, triage.deps.clock.now),
                    capture_reaction=settings.capture_reaction, loopback_uploads=credentials.anonymous)
    if credentials.anonymous:
        log.warning("teams.anonymous_mode: TEAMS_APP_ID is not set; only local requests (Agents Playground) "
                    "are accepted")
    return TeamsBot(runtime, settings, credentials, catalog, render, adapter, app, connection_manager, bridge, port,
                    pacer, runner, people, reports)


def teams_settings(runtime: Runtime) -> TeamsSettings:
    """The `teams:` block of app.yaml, validated here (config knows no adapter); errors name file and field."""
    try:
        return read_section(runtime.settings, "teams", TeamsSettings)
    except SectionError as exc:
        raise TeamsConfigError(f"teams: の設定に誤りがあります / invalid teams: settings: {exc}") from None


__all__ = ["TeamsBot", "TeamsConfigError", "build_teams_app", "teams_settings", "sdk_configuration",
           "MESSAGES_PATH", "HEALTH_PATH", "PLATFORM"]
