"""Running a delivery plan after the HTTP response, paced; platform failures told to the user who acted."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

from slack_sdk import WebClient

from bot.adapters.slack.logs import log_event
from bot.adapters.slack.people import People
from bot.adapters.slack.port import SlackPort
from bot.adapters.slack.render import Renderer
from bot.adapters.slack.replies import Replies, Reply
from bot.delivery import plan
from bot.delivery.ledger import Prepared
from bot.delivery.pacing import Job, Pacer
from bot.delivery.runner import Runner


class Outbox:
    """Hands plans to the pacer; each runs through the runner with the user's reply for its notes."""

    def __init__(self, replies: Replies, runner: Runner, port: SlackPort, pacer: Pacer) -> None:
        self.replies = replies
        self.runner = runner
        self.port = port
        self.pacer = pacer

    def deliver(self, reply: Reply, action: str, steps: plan.Plan, incident_id: int | None = None,
                before: Callable[[], None] | None = None, prepared: Prepared | None = None) -> None:
        """Run a plan after the HTTP response, paced; platform failures told to the user (and on the timeline).
        `prepared`: the plan's claims, made in the core's transaction (Runner.prepare)."""
        def work() -> None:
            with self.replies.guard(reply, action, incident_id or steps.incident_id, stored=True):
                if before is not None:
                    before()
                result = self.runner.run(steps, reply=lambda content: self.replies.say(
                    reply, self.port.rendered(content), steps.incident_id), prepared=prepared)
                self.replies.failures(reply, result.failures, steps.incident_id)
        if not self.pacer.submit(Job(work, steps.severity, steps.lane, steps.coalesce)):
            log_event(logging.WARNING, "slack.delivery_deferred", incident_id=steps.incident_id, action=action)


@dataclass(eq=False)  # handlers are compared and hashed by identity
class Handlers:
    """What every listener's handler object uses: who acts, private answers, delivery, rendering, the Web API."""

    people: People
    replies: Replies
    outbox: Outbox
    render: Renderer
    client: WebClient
