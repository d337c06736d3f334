"""The Slack adapter, built once by `build_slack_app` from the Runtime, each part given only what it needs."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from concurrent.futures import Executor
from dataclasses import dataclass
from typing import Any

from slack_bolt import App, BoltRequest
from slack_sdk import WebClient

from bot.adapters.slack.capture import Capture
from bot.adapters.slack.edits import Edits
from bot.adapters.slack.gate import SHAPE_CHECKED, SIGNATURE_CHECKED, SlackGate
from bot.adapters.slack.listeners import register_all
from bot.adapters.slack.logs import log_event, redact_bolt_logs
from bot.adapters.slack.metrics import SlackMetrics
from bot.adapters.slack.outbox import Outbox
from bot.adapters.slack.people import DEFAULT_TTL_SECONDS, Outsiders, People, UserGroupMembers
from bot.adapters.slack.port import PLATFORM, SlackPort, build_client, is_dm
from bot.adapters.slack.render import Renderer
from bot.adapters.slack.replies import Replies
from bot.adapters.slack.reports import Reports, plain_channel_post
from bot.adapters.slack.review import SlackRecords
from bot.adapters.slack.steps import Steps
from bot.clock import format_jst
from bot.delivery import unreached
from bot.delivery.assembly import build_delivery
from bot.delivery.inbox import Inbox
from bot.delivery.intake import leaves_alone
from bot.delivery.ledger import Ledger
from bot.delivery.resume import resume_all
from bot.delivery.shared import error_recorder
from bot.ports import Notification
from bot.wiring import Runtime


class SlackConfigError(Exception):
    """A Slack secret or setting missing for the chosen run mode; the message says which (ja + en)."""


@dataclass(frozen=True)
class SlackBot:
    """What the factory built, for the CLI, the scheduler and tests; listeners never see it."""

    app: App
    client: WebClient
    gate: SlackGate
    metrics: SlackMetrics
    render: Renderer
    ledger: Ledger
    people: People
    reports: Reports
    steps: Steps
    inbox: Inbox  # Events API deliveries stored before their 200; `serve` starts it (bot/delivery/inbox.py)
    deliver_notification: Callable[[Notification], None]  # for the scheduler: an escalation level, raises to retry
    resume: Callable[[], int]  # for the scheduler: finish reports and acknowledgements a crash left untold


def build_slack_app(runtime: Runtime, *, client: WebClient | None = None, token_verification_enabled: bool = False,
                    listener_executor: Executor | None = None, group_ttl_seconds: float | None = None,
                    monotonic: Callable[[], float] | None = None) -> SlackBot:
    """Build the adapter: Web API client (`client`: tests' local server), delivery, Bolt App and its listeners."""
    secrets, slack, triage = runtime.settings.secrets, runtime.settings.file.slack, runtime.triage
    if secrets.slack_signing_secret is None and secrets.slack_app_token is None:
        raise SlackConfigError("SLACK_SIGNING_SECRET が設定されていません / SLACK_SIGNING_SECRET is not set")
    token = secrets.slack_bot_token.get_secret_value() if secrets.slack_bot_token else None
    client = client or build_client(token, secrets.slack_api_url)
    catalog = triage.catalog
    render = Renderer(catalog, runtime.library.kinds())
    groups = UserGroupMembers(client, slack.pr_user_groups, DEFAULT_TTL_SECONDS if group_ttl_seconds is None
                              else group_ttl_seconds, monotonic or time.monotonic)
    outsiders = Outsiders(client)
    people = People(triage, client, groups, outsiders)
    port = SlackPort(client, render)
    ledger = Ledger(lambda: triage.queries, PLATFORM)
    pacer, runner = build_delivery(triage, port, ledger, interval=slack.post_interval_seconds,
                                   max_pending=slack.delivery_queue_limit, pr_channel=slack.pr_channel,
                                   restricted_channel=slack.restricted_channel,
                                   spawn=listener_executor.submit if listener_executor is not None else None)
    record_error = error_recorder(triage.incidents, PLATFORM)
    replies = Replies(client, render, catalog, record_error, people.refusal)
    outbox = Outbox(replies, runner, port, pacer)
    reports = Reports(people, replies, outbox, render, client, slack)
    steps = Steps(people, replies, outbox, render, client)
    metrics = SlackMetrics()
    signing_secret = secrets.slack_signing_secret.get_secret_value() if secrets.slack_signing_secret else ""
    report_channels = frozenset(slack.report_channels)

    def quiet(body: dict[str, Any]) -> bool:
        """Chatter in a report channel, which the core leaves alone: answered before Bolt's dispatch."""
        text = plain_channel_post(body, report_channels)
        return text is not None and leaves_alone(triage.deps.classifier, text)

    def run_stored(text: str) -> bool:
        """A stored delivery through Bolt, as the gate would have handed it over; False: retry it (5xx)."""
        request = BoltRequest(body=text, headers={"content-type": ["application/json"]},
                              context={SIGNATURE_CHECKED: True, SHAPE_CHECKED: True})
        return app.dispatch(request).status < 500

    inbox = Inbox(runtime.engine, PLATFORM, run_stored)
    # The gate replaces Bolt's RequestVerification: it refuses (and counts) where Bolt would raise (gate.py).
    gate = SlackGate(signing_secret, metrics, observe_team=outsiders.observe_team, quiet=quiet, defer=inbox.accept)
    bolt_logger = logging.getLogger("incident_bot.slack.bolt")
    redact_bolt_logs(bolt_logger)
    # process_before_response: Slack gets its HTTP 200 only once a delivery's work is stored (and, for clicks and
    # commands, done). A crash before that makes Slack retry the event (same event_id) or the user click again;
    # the core's keys and the ledger's claims let the second attempt finish the first one's work without
    # repeating any of it. Under `serve`, an Events API delivery counts as stored once the inbox holds it: its
    # 200 follows that commit and the inbox runs it (again, after a crash). Acknowledging before anything is
    # stored would let a crash lose an event Slack never resends (docs/operations.md).
    app = App(client=client, signing_secret=signing_secret, name="sns-incident-bot",
              token_verification_enabled=token_verification_enabled, listener_executor=listener_executor,
              logger=bolt_logger, request_verification_enabled=False, before_authorize=gate,
              process_before_response=True)
    register_all(app, reports, steps, Capture(people, replies, port, slack.capture_reaction),
                 SlackRecords(people, replies, outbox, render, client), slack.slash_command,
                 Edits(people, replies, render, outbox))
    groups.members()  # resolve PR user groups at start-up (logged; the last good answer is kept on errors)

    def deliver_notification(note: Notification) -> None:
        unreached.notify(runner, catalog, note, lambda at: format_jst(at, catalog.locale))
        log_event(logging.INFO, "slack.escalation_posted", incident_id=note.incident_id, level=note.level)

    def resume() -> int:
        return resume_all(people.triage(), PLATFORM, people.now(), show=reports.resume, tell=steps.acknowledged_again,
                          name_of=lambda user: people.actor(user).display_name, run=runner.run, private=is_dm)

    return SlackBot(app, client, gate, metrics, render, ledger, people, reports, steps, inbox, deliver_notification,
                    resume)
