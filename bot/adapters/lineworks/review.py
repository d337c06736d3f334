"""The closing review on LINE WORKS: 原因 then 再発防止策 asked in the member's 1:1 chat (both optional).

LINE WORKS has no forms, so the invitation carries a quick reply that starts a guided input; the member's next
1:1 texts answer the two questions (「空欄のまま」 leaves one blank, 「やめる」 stops). The state lives in the
database (bot/triage/memos.py, `lineworks:review:<user>`), so a restart loses nothing. The answers are stored
through RecordsDesk.record_review (the core decides who may), then closing.after_review sends the updated
report to the same people, as on Slack.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from bot import identity
from bot.adapters.lineworks import postback as pb
from bot.adapters.lineworks.callbacks import PostbackPress
from bot.adapters.lineworks.render import Content, Renderer, quick_action, with_quick_reply
from bot.adapters.lineworks.target import PLATFORM, member_id
from bot.delivery import closing
from bot.ports import IncidentView
from bot.records.service import RecordsDesk

if TYPE_CHECKING:
    from bot.adapters.lineworks.handlers import Handlers

log = logging.getLogger("incident_bot.lineworks")
CAUSE, PREVENTION = "cause", "prevention"


def review_invite(render: Renderer, view: IncidentView) -> list[Content]:
    """The invitation sent when an incident ends, with the quick reply that starts the guided input."""
    contents = render.messages([render.t("records.review.invite", ref=view.ref, status=view.status_label)])
    button = quick_action(render.t("records.review.button"), pb.encode(pb.REVIEW, view.id),
                          render.t("records.review.button"))
    contents[-1] = with_quick_reply(contents[-1], [button])
    return contents


class Reviews:
    """The guided closing review: start, answer, leave blank, stop."""

    def __init__(self, handlers: Handlers) -> None:
        self.handlers = handlers
        self.adapter = handlers.adapter
        self.render = handlers.adapter.render
        self.memos = handlers.adapter.memos

    @staticmethod
    def _key(user: str) -> str:
        return f"lineworks:review:{member_id(user)}"

    def _ask(self, user: str, incident_id: int, field: str) -> None:
        w = self.render.w
        asked = w("review.ask_cause", ref=self._ref(incident_id)) if field == CAUSE else w("review.ask_prevention")
        contents = self.render.messages([asked])
        contents[-1] = with_quick_reply(contents[-1], [
            quick_action(w("review.blank"), pb.encode(pb.REVIEW_BLANK, incident_id), w("review.blank")),
            quick_action(w("review.stop"), pb.encode(pb.REVIEW_STOP, incident_id), w("review.stop"))])
        self.adapter.tell(user, contents)

    def _drop(self, user: str, incident_id: int, *actions: str) -> None:
        # Quick replies are carried to the chat's later messages until what they belong to is over.
        chat = identity.qualify(PLATFORM, member_id(user))
        for action in actions:
            self.adapter.port.drop_controls(chat, incident_id, action=action)

    def _end(self, user: str, incident_id: int) -> None:
        self.memos.forget(self._key(user))
        self._drop(user, incident_id, pb.REVIEW_BLANK, pb.REVIEW_STOP)

    def _ref(self, incident_id: int) -> str:
        return self.handlers.triage.queries.view(incident_id, None).ref

    def start(self, event: PostbackPress) -> None:
        """The invitation's quick reply: the first question, for whoever may record it (anyone else is refused now,
        not after answering)."""
        user, incident_id = event.source.user_id, event.data.incident_id
        assert user is not None
        closing.open_review(RecordsDesk(self.handlers.triage.deps), incident_id, self.adapter.actor(user))
        self.memos.remember(self._key(user), {"incident": incident_id, CAUSE: None})
        self._drop(user, incident_id, pb.REVIEW)
        self._ask(user, incident_id, CAUSE)

    def blank(self, event: PostbackPress) -> None:
        """「空欄のまま」: the asked field stays empty."""
        assert event.source.user_id is not None
        self._answer(event.source.user_id, "", event.data.incident_id)

    def stop(self, event: PostbackPress) -> None:
        """「やめる」: nothing recorded."""
        user = event.source.user_id
        assert user is not None
        self._end(user, event.data.incident_id)
        self.adapter.tell(user, self.render.messages([self.render.t("records.review.skipped")]))

    def answer_text(self, user: str, body: str) -> bool:
        """A 1:1 text while a question is pending answers it; False when none is."""
        if self.memos.recall(self._key(user)) is None:
            return False
        self._answer(user, body, None)
        return True

    def _answer(self, user: str, body: str, incident_id: int | None) -> None:
        pending: dict[str, Any] | None = self.memos.recall(self._key(user))
        if pending is None or (incident_id is not None and pending.get("incident") != incident_id):
            return  # an old question's button: nothing pending for it
        incident_id = int(pending["incident"])
        if pending.get(CAUSE) is None:
            self.memos.remember(self._key(user), {"incident": incident_id, CAUSE: body.strip()})
            self._ask(user, incident_id, PREVENTION)
            return
        self._end(user, incident_id)
        cause, prevention = str(pending.get(CAUSE) or ""), body.strip()
        if not cause and not prevention:
            self.adapter.tell(user, self.render.messages([self.render.t("records.review.skipped")]))
            return
        actor = self.adapter.actor(user)
        said, after = closing.review(RecordsDesk(self.handlers.triage.deps), incident_id, actor, cause=cause,
                                     prevention=prevention, platform=PLATFORM)
        log.info("lineworks.review_recorded incident_id=%s", incident_id)
        self.adapter.tell(user, self.render.messages([said]))
        self.adapter.deliver(after, actor.user_id)


__all__ = ["Reviews", "review_invite"]
