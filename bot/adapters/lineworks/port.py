"""The LINE WORKS side of the delivery layer: neutral contents rendered as Bot API messages and sent.

It decides nothing (bot/delivery/plan.py does); it translates. Places are encoded targets ("channel:<id>",
"user:<id>") or a namespaced user id ("lineworks:<id>", the user's 1:1 chat). The Bot API answers a send
with 201 and no message id and has no edit, read-back or permalink, so:

* `post` returns an id of its own ("lw-…"), which the ledger records like any platform's id;
* `update` cannot edit: a change people must learn of (a step superseded, a notice acknowledged or
  redacted) is a new message, sent once per message and change (claimed in the ledger, so a replay or a
  second instance does not repeat it); a change that is harmless to leave out sends nothing: a merged-report
  count, a public line rewritten, and a step closed (the press shows in the chat as the member's own
  message, and a message after the next step would take that step's quick replies away: LINE WORKS shows
  quick replies on the latest message only);
* quick replies show on the latest message of a chat only, so the last ones sent to a chat are carried
  over to the plain messages that follow there (a notice, a severity change; not 「報告しますか？」's, which are
  about that one message), and a room's earlier
  acknowledge buttons to its later notices, until what they belong to is closed (`drop_controls`: a step
  done, a notice acknowledged); they are kept in memory, and a member gets a step's back after a restart by
  sending 「help」;
* `post_ephemeral` goes to the user's 1:1 chat, except 「受け付けました」 (Anchored): the conversation opens
  in that same chat, whose first message already says so; `find_posted` and `permalink` are None.

429 becomes DeliveryError(retry_after=…) before anything of the message went out (the runner waits and
tries again, never giving up); after part of a long message went out, the rest is waited for here so no
piece is sent twice. 5xx and network failures are retried a few times, then reported.
"""

from __future__ import annotations

import hashlib
import logging
import threading
import time
import uuid
from collections.abc import Callable, Sequence
from types import MappingProxyType
from typing import Any

from bot import identity
from bot.adapters.lineworks import files as lw_files
from bot.adapters.lineworks import postback as pb
from bot.adapters.lineworks.client import Failed, LineWorksClient, RetryLater, Sent
from bot.adapters.lineworks.render import QUICK_REPLY_LIMIT, Renderer
from bot.adapters.lineworks.render import Content as Message
from bot.adapters.lineworks.review import review_invite
from bot.adapters.lineworks.target import PLATFORM, Target
from bot.delivery import content as c
from bot.delivery.closing import has_ended
from bot.delivery.content import DeliveryError, Marker, Place, Posted
from bot.delivery.ledger import Ledger
from bot.presenting import plain_words

log = logging.getLogger("incident_bot.lineworks")
# The quick replies of 「報告しますか？」 (its kinds and 「INC-0001 の記録に残す」): never carried to later messages.
QUESTION = (pb.ASK, pb.NOTE, pb.FOLLOWUP)
SERVER_RETRIES = 3  # 5xx / network: tried this many more times, with backoff, before the delivery fails
TOLD = "lw_told"  # ledger purposes of changes sent as new messages


def target_of(channel: str) -> Target:
    """The LINE WORKS target of a place's channel; DeliveryError when it is not one of ours."""
    user = identity.raw(PLATFORM, channel)
    if user is not None:
        return Target.user(user)
    try:
        return Target.decode(channel)
    except ValueError:
        raise DeliveryError("not_a_lineworks_place") from None


class LineWorksPort:
    """ChatPort on the Bot API (see the module docstring)."""

    platform = PLATFORM
    finds_posted = False  # nothing sent can be read back (find_posted)
    unreached = MappingProxyType({"FORBIDDEN": "not_member", "NOT_FOUND": "not_found"})  # the room's refusals
    edits = False  # nothing sent can be changed: a notice drawn again (a corrected URL) is posted anew

    def __init__(self, client: LineWorksClient, render: Renderer, ledger: Ledger, *,
                 wait: Callable[[float], None] = time.sleep) -> None:
        self.client = client
        self.render = render
        self.ledger = ledger
        self.wait = wait
        self._controls: dict[str, list[dict[str, Any]]] = {}  # chat (encoded target) -> its current quick replies
        self._lock = threading.Lock()

    # -- rendering -----------------------------------------------------------------------------------------
    def rendered(self, content: c.Content) -> list[Message]:
        """Bot API message contents for a neutral content, in sending order."""
        r, words = self.render, plain_words(content, self.render.catalog)
        if isinstance(content, c.PrivacyAdvice):  # LINE WORKS: 送信取消, not 削除 (which hides it on one screen)
            ref = content.view.ref  # whose message it is: the delivery layer's to say
            if content.merged:  # a co-reporter: nothing follows in their 1:1 chat
                return r.messages([r.w("privacy_advice_merged", ref=ref) if content.own
                                   else r.w("privacy_advice_others_merged", ref=ref)])
            return r.messages([r.w("privacy_advice", ref=ref) if content.own
                               else r.w("privacy_advice_others", ref=ref)])
        if words is not None:
            return r.messages(words)  # the home is the reporter's 1:1 chat: nobody to mention
        if isinstance(content, c.Anchor):
            if content.texts:  # the intro too (plan.intro): one receipt, one message (every send counts)
                return r.messages(["\n".join([*content.texts, r.w("opened", reporter=content.reporter_name)])])
            return r.anchor(content.view, content.reporter_name)
        if isinstance(content, c.Anchored):
            return r.anchored(content.view)
        if isinstance(content, c.Linked):
            return self.rendered(content.content)  # no links to messages exist on LINE WORKS
        if isinstance(content, c.Intro):
            opened = () if content.opener is None else (r.w("opened", reporter=content.opener),)
            return r.intro((*content.texts, *opened), content.view.id, content.view.kind)
        if isinstance(content, c.Step):
            return r.step(content.step, content.view.kind)
        if isinstance(content, c.StepClosed):
            return r.step_closed(content.step, content.by, content.when)
        if isinstance(content, c.StepSuperseded):
            return r.step_superseded(content.step)
        if isinstance(content, c.SectionNotice):
            return r.notification(content.note)
        if isinstance(content, c.NoticeAcknowledged):
            return r.acknowledged(content.view, content.by, content.when, content.text if content.end else "")
        if isinstance(content, c.NoticeRedacted):
            return r.restricted_now(content.view)
        if isinstance(content, c.ReviewInvite):
            return review_invite(r, content.view)
        raise TypeError(f"no LINE WORKS rendering for {type(content).__name__}")

    # -- quick replies ---------------------------------------------------------------------------------------------
    def _carried(self, target: Target, messages: list[Message]) -> list[Message]:
        """The messages with the chat's current quick replies on the last one, unless it brings its own."""
        if not messages:
            return messages
        key = target.encode()
        with self._lock:
            own = (messages[-1].get("quickReply") or {}).get("items")
            if own and all(pb.decode(item["action"]["data"]).action in QUESTION for item in own):
                # 「報告しますか？」 is about one message: under a later one its kinds would read as that one's.
                return messages
            if own:
                # Earlier notices' acknowledgements stay in a room until acknowledged (labels name the incident).
                ours = {pb.decode(item["action"]["data"]).incident_id for item in own}
                earlier = [item for item in self._controls.get(key) or []
                           if (data := pb.decode(item["action"]["data"])).action == pb.ACK
                           and data.incident_id not in ours]
                merged = [*own, *earlier][:QUICK_REPLY_LIMIT]
                if len(merged) == len(own):
                    return messages
                left = [pb.decode(item["action"]["data"]).incident_id for item in earlier[len(merged) - len(own):]]
                if left:  # no button for the oldest ones: how to acknowledge them by typing (acks.py)
                    return [*messages, {**self.render.ack_overflow(left), "quickReply": {"items": merged}}]
                return [*messages[:-1], {**messages[-1], "quickReply": {"items": merged}}]
            items = self._controls.get(key)
        return [*messages[:-1], {**messages[-1], "quickReply": {"items": items}}] if items else messages

    def drop_controls(self, channel: str, incident_id: int, step_id: str | None = None,
                      action: str | None = None) -> None:
        """Stop carrying quick replies of an incident's step (or of one action, e.g. pb.ACK) in a chat."""
        key = target_of(channel).encode()
        with self._lock:
            items = self._controls.get(key) or []
            kept = []
            for item in items:
                data = pb.decode(item["action"]["data"])
                if data.incident_id == incident_id and (step_id is None or data.step_id == step_id) \
                        and (action is None or data.action == action):
                    continue
                kept.append(item)
            self._controls[key] = kept

    def drop_everywhere(self, incident_id: int, action: str | None) -> None:
        """Stop carrying one action's quick replies of an incident (None: all of them) in every chat (a reopen ends
        every offer; an ended incident every control)."""
        with self._lock:
            chats = list(self._controls)
        for chat in chats:
            self.drop_controls(chat, incident_id, action=action)

    # -- sending -------------------------------------------------------------------------------------------------
    def send_all(self, target: Target, messages: list[Message]) -> None:
        """Send messages in order (see the module docstring for 429 and 5xx)."""
        brought = (messages[-1].get("quickReply") or {}).get("items") if messages else None
        messages = self._carried(target, messages)
        self._send_each(target, messages)
        if brought and not all(pb.decode(item["action"]["data"]).action in QUESTION for item in brought):
            # The chat's controls are what it shows: registered once delivered (a refused message shows nothing).
            with self._lock:
                self._controls[target.encode()] = messages[-1]["quickReply"]["items"]

    def _send_each(self, target: Target, messages: list[Message]) -> None:
        for number, message in enumerate(messages):
            attempt = 0
            while True:
                result = self.client.send(target, message, attempt=attempt)
                if isinstance(result, Sent):
                    break
                if isinstance(result, Failed):
                    log.warning("lineworks.send_failed status=%s code=%s", result.status, result.code)
                    raise DeliveryError(result.code)
                assert isinstance(result, RetryLater)
                if result.reason == "rate_limited" and number == 0:
                    raise DeliveryError("TOO_MANY_REQUESTS", retry_after=max(result.after, 0.0))
                if result.reason != "rate_limited" and attempt >= SERVER_RETRIES:
                    raise DeliveryError(result.reason)
                log.warning("lineworks.send_retry reason=%s after=%s", result.reason, result.after)
                self.wait(result.after)
                attempt += 1

    def send(self, channel: str, messages: list[Message]) -> None:
        """Send rendered messages (outside a plan: questions, prompts, refusals) to a place's target."""
        self.send_all(target_of(channel), messages)

    # -- the port ------------------------------------------------------------------------------------------------
    def post(self, place: Place, content: c.Content, marker: Marker | None = None) -> Posted:
        target = target_of(place.channel)
        self.send_all(target, self.rendered(content))
        return Posted(target.encode(), f"lw-{uuid.uuid4().hex[:16]}")

    def update(self, posted: Posted, content: c.Content) -> None:
        if isinstance(content, (c.StepClosed, c.StepSuperseded)):
            self.drop_controls(posted.channel, content.step.incident_id, content.step.step_id)
        elif isinstance(content, c.NoticeAcknowledged):
            self.drop_controls(posted.channel, content.view.id, action=pb.ACK)
            if not content.end:  # ended: its control goes too
                self.drop_controls(posted.channel, content.view.id, action=pb.END)
        elif isinstance(content, c.NoticeRedacted):  # see content.NoticeRedacted: no end control
            self.drop_controls(posted.channel, content.view.id, action=pb.END)
        elif isinstance(content, c.NoticeEnded):  # ended by a command: nothing is left to press (nothing is said)
            for control in (pb.ACK, pb.END):
                self.drop_controls(posted.channel, content.view.id, action=control)
        elif isinstance(content, c.ControlsWithdrawn):  # ended: the conversation was told by the plan already
            step = content.step
            self.drop_controls(posted.channel, content.view.id, step.step_id if step else None,
                               None if step else pb.KIND)
        elif isinstance(content, c.ReopenWithdrawn):  # reopened: no chat keeps offering it (nothing is said)
            self.drop_everywhere(content.view.id, pb.FLAREUP)
        told = _told(posted, content)
        if told is None:
            return  # harmless to leave as it is (see the module docstring)
        incident_id, purpose = told
        claim = self.ledger.claim(incident_id, purpose, posted.channel)
        if claim.state in ("posted", "busy"):
            return
        try:
            self.send_all(target_of(posted.channel), self.rendered(content))
        except DeliveryError:
            self.ledger.drop(incident_id, purpose)
            raise
        self.ledger.put(incident_id, purpose, posted.channel, f"lw-{uuid.uuid4().hex[:16]}")

    def post_ephemeral(self, place: Place, user: str, content: c.Content) -> None:
        shown = content.content if isinstance(content, c.Linked) else content
        if isinstance(shown, c.Anchored):
            # The conversation already opened in this same 1:1 chat with the anchor saying so; a repeat after
            # the step would take the step's quick replies away.
            return
        self.send_all(target_of(identity.qualify(PLATFORM, user)), self.rendered(content))

    def upload(self, place: Place, files: Sequence[c.Attachment], comment: str) -> Posted:
        """The comment, then each file as a file message (bot/adapters/lineworks/files.py)."""
        return lw_files.upload(self, place, files, comment)

    def find_posted(self, place: Place, marker: Marker) -> Posted | None:
        return None  # nothing can be read back: a crash between send and record may repeat that one message

    def permalink(self, posted: Posted) -> str | None:
        return None


def _told(posted: Posted, content: c.Content) -> tuple[int, str] | None:
    """(incident, ledger purpose) of a change announced by a new message, or None when nothing is sent.
    A superseded step is told once per step message; a notice change once per room (PR and escalation notices
    share a room, and one 「確認しました」 there is enough)."""
    if isinstance(content, c.StepSuperseded):
        return content.step.incident_id, f"{TOLD}:superseded:{posted.id}"[:120]
    if isinstance(content, c.NoticeAcknowledged) and has_ended(content.view):
        return None  # ended from its control: the controls dropped, the conversation told by the plan
    if isinstance(content, (c.NoticeAcknowledged, c.NoticeRedacted)):
        tag = "redacted" if isinstance(content, c.NoticeRedacted) else "ack:end" if content.end else "ack"
        room = hashlib.sha256(posted.channel.encode("utf-8")).hexdigest()[:16]
        return content.view.id, f"{TOLD}:{tag}:{room}"
    return None


__all__ = ["LineWorksPort", "target_of", "TOLD"]
