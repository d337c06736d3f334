"""The closing review: the invitation's button opens the modal; submitted, RecordsDesk records it, the plan posts."""

from __future__ import annotations

import logging
from typing import Any

from bot.adapters.slack.logs import log_event
from bot.adapters.slack.outbox import Handlers
from bot.adapters.slack.port import PLATFORM
from bot.adapters.slack.render import CAUSE, PREVENTION, decode_metadata
from bot.adapters.slack.replies import Submission
from bot.delivery import closing
from bot.records.service import RecordsDesk


class SlackRecords(Handlers):
    """The review button, the modal and what follows it."""

    def open_review(self, body: dict[str, Any], action: dict[str, Any]) -> None:
        """The button: the modal for whoever may end the incident; anyone else is refused here, before typing."""
        user, channel, thread, reply = self.replies.for_action(body)
        incident_id = int(str(action.get("value") or "0"))
        with self.replies.guard(reply, "records_review", incident_id):
            actor = self.people.actor(user, body["user"].get("name", ""))
            view = closing.open_review(RecordsDesk(self.people.triage().deps), incident_id, actor)
            metadata = {"i": incident_id, "c": channel, "t": thread}
            self.client.views_open(trigger_id=body["trigger_id"], view=self.render.review_modal(view.ref, metadata))

    def submit_review(self, body: dict[str, Any]) -> Submission:
        """Record the review (both blank: nothing to record, the modal just closes); then the updated report."""
        view, user = body["view"], body["user"]["id"]
        meta = decode_metadata(view.get("private_metadata"))
        incident_id = int(meta.get("i") or 0)
        values = (view.get("state") or {}).get("values") or {}
        cause, prevention = (str(((values.get(key) or {}).get("value") or {}).get("value") or "").strip()
                             for key in (CAUSE, PREVENTION))
        if not cause and not prevention:
            return Submission({})
        reply = self.replies.ephemeral(meta.get("c") or user, user, meta.get("t"))
        try:
            actor = self.people.actor(user, body["user"].get("name", ""))
            message, after = closing.review(RecordsDesk(self.people.triage().deps), incident_id, actor, cause=cause,
                                            prevention=prevention, platform=PLATFORM)
        except Exception as exc:  # refusals told inside the modal, which stays open with the text
            return Submission({"response_action": "errors", "errors": {CAUSE: self.replies.refusal(exc, incident_id)}})
        log_event(logging.INFO, "slack.review_recorded", incident_id=incident_id)

        def then() -> None:
            self.replies.say(reply, self.replies.plain(message), incident_id)
            self.outbox.deliver(reply, "records", after)

        return Submission({}, then)
