"""Running a delivery plan after the HTTP response, paced; platform failures told to the user who acted."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from slack_sdk import WebClient

from bot.adapters.slack.logs import log_event
from bot.adapters.slack.people import People
from bot.adapters.slack.port import SlackPort
from bot.adapters.slack.render import Renderer
from bot.adapters.slack.replies import Replies, Reply
from bot.delivery import plan
from bot.delivery.delivering import deliver_telling
from bot.delivery.ledger import Prepared
from bot.delivery.pacing import Pacer
from bot.delivery.runner import Runner


class Outbox:
    """Hands plans to the pacer; each runs through the runner with the user's reply for its notes."""

    def __init__(self, replies: Replies, runner: Runner, port: SlackPort, pacer: Pacer) -> None:
        self.replies = replies
        self.runner = runner
        self.port = port
        self.pacer = pacer

    def deliver(self, reply: Reply, action: str, steps: plan.Plan, prepared: Prepared | None = None) -> None:
        """Run a plan after the HTTP response, paced (bot/delivery/shared.py); platform failures told to the user
        (and on the timeline). `prepared`: the plan's claims, made in the core's transaction (Runner.prepare)."""
        incident_id = steps.incident_id
        if not deliver_telling(self.pacer, self.runner, self.replies.refusals, steps, action,
                               lambda *texts: self.replies.say(reply, self.replies.plain(*texts), incident_id),
                               reply=lambda content: self.replies.say(reply, self.port.rendered(content), incident_id),
                               prepared=prepared):
            log_event(logging.WARNING, "slack.delivery_deferred", incident_id=incident_id, action=action)


@dataclass(eq=False)  # handlers are compared and hashed by identity
class Handlers:
    """What every listener's handler object uses: who acts, private answers, delivery, rendering, the Web API."""

    people: People
    replies: Replies
    outbox: Outbox
    render: Renderer
    client: WebClient
