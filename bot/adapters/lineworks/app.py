"""The LINE WORKS adapter: the core, the Bot API client and the delivery layer, built from the Runtime."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime

import requests
from pydantic import ValidationError

from bot import identity
from bot.adapters.lineworks.auth import TokenProvider
from bot.adapters.lineworks.callbacks import CallbackEvent
from bot.adapters.lineworks.client import LineWorksClient
from bot.adapters.lineworks.port import LineWorksPort
from bot.adapters.lineworks.render import Renderer
from bot.adapters.lineworks.server import WSGIApp, callback_app
from bot.adapters.lineworks.settings import LineWorksCredentials, LineWorksSettings
from bot.adapters.lineworks.target import PLATFORM, Target, member_id
from bot.chat_sections import SectionError, read_section
from bot.clock import format_jst
from bot.delivery import content as c
from bot.delivery import plan as p
from bot.delivery import unreached
from bot.delivery.assembly import build_delivery
from bot.delivery.ledger import Ledger
from bot.delivery.pacing import Pacer
from bot.delivery.runner import Runner
from bot.delivery.shared import submit_plan
from bot.ports import Actor, Notification
from bot.triage.memos import Memos
from bot.triage.platform_access import PlatformCore
from bot.triage.service import Triage
from bot.wiring import Runtime

log = logging.getLogger("incident_bot.lineworks")
NAME_TTL_SECONDS = 3600.0
# 240 sends per minute per API are allowed; one a second per room keeps a burst of reports well inside it.
POST_INTERVAL_SECONDS = 1.0
QUEUE_LIMIT = 5000


class LineWorksConfigError(Exception):
    """A LINE WORKS setting or credential is missing or wrong; the message names it (ja + en)."""


def lineworks_settings(runtime: Runtime) -> LineWorksSettings:
    """The `lineworks:` block of app.yaml, validated here (config knows no adapter); errors name file and field."""
    try:
        return read_section(runtime.settings, "lineworks", LineWorksSettings)
    except SectionError as exc:
        raise LineWorksConfigError(f"lineworks: の設定に誤りがあります / invalid lineworks: settings: "
                                   f"{exc}") from None


def lineworks_credentials(environ: Mapping[str, str]) -> LineWorksCredentials:
    """The LW_* variables, complete; LineWorksConfigError naming what is missing or wrong."""
    try:
        credentials = LineWorksCredentials.from_env(environ)
    except ValidationError as exc:
        # pydantic puts "Value error, " before our own (Japanese first) words: they are the whole message.
        problems = "; ".join(f"LW_{str(err['loc'][0]).upper()}: {str(err['msg']).removeprefix('Value error, ')}"
                             for err in exc.errors())
        raise LineWorksConfigError(f"LINE WORKS の環境変数に誤りがあります / invalid LINE WORKS variables: "
                                   f"{problems}") from None
    missing = credentials.missing()
    if missing:
        raise LineWorksConfigError("環境変数が設定されていません / environment variables not set: "
                                   + ", ".join(missing))
    return credentials


@dataclass
class LineWorksAdapter:
    """The callback endpoint's handler and the delivery of what follows (handlers.py holds the translation)."""

    runtime: Runtime
    settings: LineWorksSettings
    credentials: LineWorksCredentials
    client: LineWorksClient
    render: Renderer
    port: LineWorksPort
    ledger: Ledger
    runner: Runner
    pacer: Pacer
    memos: Memos
    core: PlatformCore  # the core with this platform's members (bot/triage/platform_access.py)
    handle: Callable[[CallbackEvent], None] = field(init=False)
    resume: Callable[[], int] = field(init=False)  # finish reports a crash interrupted (handlers.resume)
    _names: dict[str, tuple[float, str]] = field(default_factory=dict, init=False)

    @property
    def triage(self) -> Triage:
        """The core, with the PR members and security officers named in the lineworks: block added."""
        return self.core.get()

    def now(self) -> datetime:
        return self.runtime.triage.deps.clock.now()

    def when(self, moment: datetime | None = None) -> str:
        """A moment as people read it (Asia/Tokyo, with the date)."""
        return format_jst(moment or self.now(), self.render.catalog.locale)

    def actor(self, user_id: str) -> Actor:
        """A member as the core's Actor: the namespaced id and the directory name (cached; the id when unknown)."""
        raw = member_id(user_id)
        cached = self._names.get(raw)
        if cached and time.monotonic() - cached[0] < NAME_TTL_SECONDS:
            name = cached[1]
        else:
            name = self.client.display_name(raw) or raw
            self._names[raw] = (time.monotonic(), name)
        return Actor(user_id=identity.qualify(PLATFORM, raw), display_name=name, platform=PLATFORM)

    def tell(self, user_id: str, messages: list[dict]) -> None:
        """Send rendered messages to a member's 1:1 chat now (answers to their own action); failures logged."""
        raw = member_id(user_id)
        try:
            self.port.send(Target.user(raw).encode(), messages)
        except c.DeliveryError as exc:
            log.warning("lineworks.tell_failed error=%s", exc.code)

    def deliver(self, steps: p.Plan, user: str) -> None:
        """Run a plan after the callback was answered, paced; failures told to the member and recorded."""
        if not submit_plan(self.pacer, self.runner, steps,
                           lambda codes: [self.tell(user, self.render.failure(code)) for code in codes]):
            log.warning("lineworks.delivery_deferred incident_id=%s", steps.incident_id)

    def deliver_notification(self, note: Notification) -> None:
        """For the scheduler: an escalation level (raises so a failure is retried). Acknowledged while it was
        being posted: 「確認しました」 follows at once."""
        unreached.notify(self.runner, self.render.catalog, note, self.when)

    def wsgi(self) -> WSGIApp:
        """The callback endpoint (bot/adapters/lineworks/server.py) at the configured path."""
        secret = self.credentials.bot_secret
        assert self.credentials.bot_id is not None and secret is not None
        return callback_app(self.handle, bot_id=self.credentials.bot_id, bot_secret=secret.get_secret_value(),
                            path=self.settings.callback_path, engine=self.runtime.engine)


def build_lineworks_app(runtime: Runtime, settings: LineWorksSettings, credentials: LineWorksCredentials, *,
                        session: requests.Session | None = None, wait: Callable[[float], None] = time.sleep,
                        spawn: Callable[[Callable[[], None]], object] | None = None,
                        post_interval: float = POST_INTERVAL_SECONDS) -> LineWorksAdapter:
    """Build the adapter. `spawn` runs delivery jobs on an executor tests can wait on; `wait` is how rate
    limits are waited out (tests record it instead of sleeping)."""
    from bot.adapters.lineworks.handlers import Handlers

    triage = runtime.triage
    assert credentials.bot_id is not None
    client = LineWorksClient(credentials.api_url, credentials.bot_id, TokenProvider(credentials, session=session),
                             session=session)
    render = Renderer(triage.catalog, runtime.library.kinds())
    ledger = Ledger(lambda: triage.queries, PLATFORM)
    port = LineWorksPort(client, render, ledger, wait=wait)
    pacer, runner = build_delivery(triage, port, ledger, interval=post_interval, max_pending=QUEUE_LIMIT,
                                   pr_channel=settings.pr_channel, restricted_channel=settings.restricted_channel,
                                   place=lambda channel: Target.channel(channel).encode(), spawn=spawn, wait=wait)
    adapter = LineWorksAdapter(runtime=runtime, settings=settings, credentials=credentials, client=client,
                               render=render, port=port, ledger=ledger, runner=runner, pacer=pacer,
                               memos=Memos(triage.deps),
                               core=PlatformCore(triage, PLATFORM, settings.pr_members, settings.security_officers))
    handlers = Handlers(adapter)
    adapter.handle, adapter.resume = handlers.handle, handlers.resume
    return adapter


__all__ = ["LineWorksAdapter", "LineWorksConfigError", "build_lineworks_app", "lineworks_settings",
           "lineworks_credentials"]
