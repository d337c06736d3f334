"""Executes a delivery plan through a ChatPort: claimed posts, in order, failures on the timeline.

A platform failure of one operation is recorded (timeline `delivery_failed`, log) and collected for the user;
operations marked as needing what came before are then skipped, so controls are never removed without their
replacement. A rate limit is waited out and retried, never given up on.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TypeVar

from sqlalchemy import Connection

from bot.delivery import content as c
from bot.delivery import ledger as lg
from bot.delivery import plan as p
from bot.delivery.content import ChatPort, DeliveryError, Marker, Place, Posted
from bot.delivery.ledger import (
    DONE,
    MERGED_COUNT,
    Ledger,
    LedgerRun,
    Prepared,
    notification_purposes,
)
from bot.delivery.links import home_link, linked, pointed
from bot.delivery.moving import advise, move_private
from bot.delivery.revising import offered, revise, titled, withdraw
from bot.delivery.step_cards import update_step
from bot.delivery.withdrawing import redraw_kind_card, withdraw_controls
from bot.lease import IMMEDIATE, Lease
from bot.ports import Notification
from bot.triage.standing import SECTION_NOTICE

log = logging.getLogger("incident_bot.delivery")
T = TypeVar("T")
Turn = Callable[[str, str, str], None]  # (channel, severity, lane): wait for the channel's turn to post
RecordError = Callable[[int, str, str], None]  # (incident id, action, error code)


@dataclass
class Result:
    """What running a plan did: the failures to tell the user (error codes, in order) and what was posted."""

    failures: list[str] = field(default_factory=list)
    posted: dict[str, Posted] = field(default_factory=dict)
    reply: Callable[[c.Content], None] | None = None


@dataclass
class Runner:
    """Runs plans for one platform (see the module docstring)."""

    port: ChatPort
    ledger: Ledger
    section_channel: Callable[[bool], str | None]
    record_error: RecordError
    chain_length: int = 1
    turn: Turn = field(default=lambda channel, severity, lane: None)
    wait: Callable[[float], None] = field(default=lambda seconds: None)
    # (key, value): wait for an in-place update's turn; the highest value offered, None when a newer one replaced it
    latest: Callable[[str, int], int | None] = field(default=lambda key, value: value)
    edits: bool = True  # whether the port can change a posted message (LINE WORKS cannot: see ReviseNotices)
    # A section notice the platform refused in a plan (unreached.attach): True when told in words, not as a code.
    section_refused: Callable[[Notification, str], bool] = field(default=lambda note, code: False)

    def run(self, plan: p.Plan, reply: Callable[[c.Content], None] | None = None,
            prepared: Prepared | None = None) -> Result:
        """Execute every operation in order; `reply` answers the acting user privately where the interaction
        allows it (a command's response URL), instead of an ephemeral message. Failures: module docstring.
        The ledger is read and every claim made in one transaction first (or `prepared` in the core's, see
        `prepare`), what was posted recorded in one last."""
        result = Result(reply=reply)
        if plan.incident_id is None:
            return result
        # One transaction: the plan's own places recorded, its once-only posts claimed, the refs read.
        led = self.ledger.begin(plan.incident_id, *self._wants(plan), record_each=not self.port.finds_posted,
                                prepared=prepared)
        if plan.once is not None and led.claim(plan.incident_id, plan.once, "").state in ("posted", "busy"):
            led.release()
            return result  # done already, or being done right now by another delivery (a retry, resume)
        ok, refused = True, list[tuple[Notification, str]]()
        try:
            for op in plan.ops:
                if getattr(op, "needs_previous", False) and not ok:
                    continue
                try:
                    done = self._patient(lambda op=op: self._one(led, op, plan, result))  # type: ignore[misc]
                except DeliveryError as exc:
                    incident, notice = getattr(op, "incident_id", None), getattr(op, "content", None)
                    notice = notice if isinstance(op, p.Post) and isinstance(notice, c.SectionNotice) else None
                    log.warning("delivery.failed incident_id=%s op=%s error=%s", incident, type(op).__name__,
                                exc.code)
                    if incident is not None:  # a section notice's own action: 状況 tells it apart (walk s21 #5)
                        self.record_error(incident, SECTION_NOTICE if notice else type(op).__name__.lower(), exc.code)
                    result.failures.append(exc.code)
                    done, refused = False, refused + ([(notice.note, exc.code)] if notice else [])
                if not done and (getattr(op, "needed", False) or isinstance(op, p.UpdateStep)):
                    ok = False
        finally:
            led.release()
        for note, code in refused:  # after the release: telling runs a plan of its own (walk s21 #3)
            if self.section_refused(note, code):
                result.failures.remove(code)
        return result

    def prepare(self, connection: Connection, plan: p.Plan) -> Prepared:
        """`run`'s first transaction done on the caller's (the core's report transaction): hand it to `run`."""
        assert plan.incident_id is not None
        return self.ledger.prepare(connection, plan.incident_id, *self._wants(plan), fresh=plan.fresh)

    def _wants(self, plan: p.Plan) -> tuple[dict[str, str], dict[str, tuple[str, str]], str | None]:
        """What a plan claims (purpose -> channel), the places it records, and the events it counts."""
        record: dict[str, tuple[str, str]] = {}
        wanted: dict[str, str] = {plan.once: ""} if plan.once else {}
        count_type = None
        for op in plan.ops:
            if isinstance(op, p.Adopt):
                record[op.purpose] = (op.place.channel, op.place.thread or "")
            elif isinstance(op, p.Post) and op.purpose and op.purpose != p.FRESH_STEP and op.only_if is None:
                view = op.content.view if isinstance(op.content, c.SectionNotice) else None
                channel = (op.where.channel if isinstance(op.where, Place) else
                           self.section_channel(bool(view and view.restricted)) or "" if op.where == p.SECTION else "")
                wanted[op.purpose] = channel
            elif isinstance(op, p.UpdateCount):
                wanted[MERGED_COUNT], count_type = "", "merged_report"
        return wanted, record, count_type

    def _patient(self, work: Callable[[], T]) -> T:
        """Run `work`, waiting out rate limits for as long as the platform asks."""
        while True:
            try:
                return work()
            except DeliveryError as exc:
                if not exc.rate_limited:
                    raise
                log.warning("delivery.rate_limited retry_after=%s", exc.retry_after)
                self.wait(float(exc.retry_after or 1.0))

    # -- operations -------------------------------------------------------------------------------------------
    def _one(self, led: Ledger, op: p.Op, plan: p.Plan, result: Result) -> bool:
        if isinstance(op, (p.Adopt, p.Mark)):  # a place that exists already, or a mark: recorded, nothing posted
            where = (op.place.channel, op.place.thread or "") if isinstance(op, p.Adopt) else (op.channel, DONE)
            led.put(op.incident_id, op.purpose, *where)
            return True
        if isinstance(op, p.Post):
            if op.only_if is not None and not (led.get(op.incident_id, op.only_if) or ("", None))[1]:
                return True  # nobody holds the copy it follows
            posted = self._post(led, op, plan)
            if posted is not None and op.purpose:
                result.posted[op.purpose] = posted
            return posted is not None
        if isinstance(op, p.UpdateStep):
            return self._update_step(led, op)
        if isinstance(op, p.UpdateNotices):  # and the card clicked, when it is an unrecorded copy (plan.py)
            shown = {posted: titled(self.ledger, purpose, op.content) for purpose, posted in
                     self._notices(op.incident_id, led)}
            if op.clicked is not None:
                shown.setdefault(op.clicked, op.content)
            for posted, content in shown.items():
                self.port.update(posted, content)
            return True
        if isinstance(op, p.ReviseNotices):
            return revise(self.port, led, op, lambda at, shown, purpose: self.post_once(
                op.incident_id, purpose, at, shown, plan, led=led), self.edits)
        if isinstance(op, p.WithdrawReopen):  # reopened: its next 対応完了 (a resolution of its own) is said again
            led.retire(op.incident_id, lg.FINISHED)
            return withdraw(self.port, led, op)
        if isinstance(op, p.WithdrawControls):
            return withdraw_controls(self.port, led, op)
        if isinstance(op, p.RedrawKindCard):
            return redraw_kind_card(self.port, led, op)
        if isinstance(op, p.UpdateCount):
            return self._update_count(led, op, plan)
        if isinstance(op, p.Tell):
            shown: c.Content = op.content
            if op.link:
                shown = pointed(self.port, led, op.incident_id, op.content, op.place)
            if result.reply is not None:
                result.reply(shown)
            else:
                self.port.post_ephemeral(op.place, op.user, shown)
            return True
        if isinstance(op, p.MovePrivate):
            return move_private(self, led, op, plan)
        if isinstance(op, p.Advise):
            home = led.home(op.incident_id)
            return home is None or advise(self, led, op.view, home, plan) is not False
        if isinstance(op, p.Upload):
            return self._upload(led, op, plan)
        raise TypeError(f"unknown delivery operation {op!r}")

    def _where(self, led: Ledger, op: p.Post) -> Place | None:
        if op.where == p.HOME:
            home = led.home(op.incident_id)
            if home is None:
                log.error("delivery.no_home incident_id=%s", op.incident_id)
            return home
        if op.where == p.SECTION:
            view = op.content.view if isinstance(op.content, c.SectionNotice) else None
            channel = self.section_channel(bool(view and view.restricted))
            if not channel:
                log.error("delivery.no_section_channel incident_id=%s", op.incident_id)
                return None
            return Place(channel)
        assert isinstance(op.where, Place)
        return op.where

    def _post(self, led: Ledger, op: p.Post, plan: p.Plan) -> Posted | None:
        place = self._where(led, op)
        if place is None:
            return None
        purpose, shown = op.purpose, op.content
        shown = linked(self.port, led, op.incident_id, shown)
        if purpose == p.FRESH_STEP and isinstance(op.content, c.Step):
            purpose = led.next_step_purpose(op.incident_id, op.content.view.kind, op.content.step.step_id, fresh=True)
        if purpose is None:  # recorded in the conversation: a later move private rewrites it (a corrected URL)
            posted = self._patient(lambda: self._turn_and_post(place, shown, plan, None))
            if op.where == p.HOME:
                led.put(op.incident_id, f"{lg.SAID}:{posted.id}", posted.channel, posted.id)
            offered(led, op.incident_id, shown, posted)
            return posted
        return self.post_once(op.incident_id, purpose, place, shown, plan, led=led)

    def post_once(self, incident_id: int, purpose: str, place: Place, content: c.Content, plan: p.Plan,
                  lease: Lease | None = None, led: Ledger | None = None) -> Posted | None:
        """Post once per (incident, purpose): the earlier post, a crashed holder's post found again, a new one,
        or None while another delivery holds a fresh claim on it."""
        led = led or self.ledger
        claim = led.claim(incident_id, purpose, place.channel, lease)
        if claim.state == "posted":
            return Posted(claim.channel, str(claim.id))
        if claim.state == "busy":
            log.info("delivery.in_flight incident_id=%s purpose=%s", incident_id, purpose)
            return None
        marker = Marker(incident_id, purpose)
        if claim.state == "taken_over":
            found = self.port.find_posted(Place(claim.channel or place.channel, place.thread), marker)
            log.warning("delivery.claim_taken_over incident_id=%s purpose=%s found=%s", incident_id, purpose,
                        found is not None)
            if found is not None:
                led.put(incident_id, purpose, found.channel, found.id)
                return found
        held: list[lg.Claim | None] = [claim]

        def kept() -> bool:  # after the turn: held up past the lease, another holder may have taken it over
            held[0] = led.keep(incident_id, purpose, held[0], lease) if held[0] else None
            return held[0] is not None

        try:
            posted = self._patient(lambda: self._turn_and_post(place, content, plan, marker, kept))
        except DeliveryError:
            led.drop(incident_id, purpose)  # a later delivery (retry, resume, scheduler) may post it
            raise
        if posted is not None:
            led.put(incident_id, purpose, posted.channel, posted.id)
        return posted

    def escalate(self, note: Notification) -> Posted | None:
        """A section notification the scheduler sends (a chain level with its mention). Raises DeliveryError so
        the scheduler retries; its escalation lease makes this worker the only sender, so a claim without an id
        (its holder crashed while posting) is taken over at once: found by its marker, or posted."""
        view = self.ledger.queries.view(note.incident_id, None)
        channel = self.section_channel(view.restricted)
        if not channel:
            raise DeliveryError("no_section_channel")
        purpose = lg.PR_MESSAGE if note.level == 1 else lg.escalation_purpose(note.level)
        link, private = home_link(self.port, self.ledger, note.incident_id)
        shown, steps = c.SectionNotice(note, view, link, private), p.Plan(view.id, (), view.severity, "")
        return self._patient(lambda: self.post_once(view.id, purpose, Place(channel), shown, steps, IMMEDIATE))

    def notify(self, note: Notification, when: Callable[[datetime], str]) -> Posted | None:
        """`escalate`, then: acknowledged while it was being posted, its button comes off at once (either this
        re-read sees the acknowledgement or the acknowledgement sees the recorded post)."""
        posted = self.escalate(note)
        after = self.ledger.queries.view(note.incident_id, None)
        if posted is not None and after.acknowledged_at is not None:
            self.port.update(posted, c.NoticeAcknowledged(after, after.acknowledged_by or "",
                                                          when(after.acknowledged_at), after.ref))
        return posted

    def _turn_and_post(self, place: Place, content: c.Content, plan: p.Plan, marker: Marker | None,
                       kept: Callable[[], bool] = lambda: True) -> Posted | None:
        self.turn(place.channel, plan.severity, plan.lane)
        return self.port.post(place, content, marker) if kept() else None

    def _upload(self, led: Ledger, op: p.Upload, plan: p.Plan) -> bool:
        """Files handed over once per (incident, purpose): claimed, made, uploaded, recorded; a failure gives the
        claim back so a later delivery (a retry, the next closing) hands them over."""
        if op.where == p.SECTION:
            channel = self.section_channel(False)
            if not channel:
                log.error("delivery.no_section_channel incident_id=%s", op.incident_id)
                return False
            place = Place(channel)
        else:
            assert isinstance(op.where, Place)
            place = op.where
        claim = led.claim(op.incident_id, op.purpose, place.channel)
        if claim.state in ("posted", "busy"):
            return claim.state == "posted"
        upload = getattr(self.port, "upload", None)
        try:
            if upload is None:  # a port written before uploads existed: recorded, never silently dropped
                raise DeliveryError("upload_unsupported")
            try:
                files = op.files()
            except Exception as exc:  # noqa: BLE001 - e.g. the recipient lost the right meanwhile: recorded, not lost
                log.warning("delivery.records_unavailable incident_id=%s error=%s", op.incident_id,
                            type(exc).__name__)
                raise DeliveryError("records_unavailable") from exc

            def send() -> Posted:
                self.turn(place.channel, plan.severity, plan.lane)
                return upload(place, files, op.comment)  # type: ignore[no-any-return]

            posted = self._patient(send)
        except DeliveryError:
            led.drop(op.incident_id, op.purpose)
            raise
        led.put(op.incident_id, op.purpose, posted.channel, posted.id)
        return True

    def _update_step(self, led: Ledger, op: p.UpdateStep) -> bool:
        return update_step(self.port, led, op)

    def notices(self, incident_id: int, led: Ledger | None = None) -> list[Posted]:
        """Every section notification posted so far, including one a crashed holder posted without recording it
        (found by its marker once its claim is stale; a claim with nothing behind it is given back)."""
        return [posted for _, posted in self._notices(incident_id, led)]

    def _notices(self, incident_id: int, led: Ledger | None = None) -> list[tuple[str, Posted]]:
        """`notices`, each with its purpose (which level's notice it is)."""
        led = led or self.ledger
        found: list[tuple[str, Posted]] = []
        for purpose in notification_purposes(self.chain_length):
            ref = led.get(incident_id, purpose)
            if ref is None:
                continue
            if ref[1] is None:
                claim = led.claim(incident_id, purpose, ref[0])
                if claim.state != "taken_over":
                    if claim.id:
                        found.append((purpose, Posted(claim.channel, claim.id)))
                    continue
                located = self.port.find_posted(Place(claim.channel), Marker(incident_id, purpose))
                if located is None:
                    led.drop(incident_id, purpose)
                    continue
                led.put(incident_id, purpose, located.channel, located.id)
                found.append((purpose, located))
                continue
            found.append((purpose, Posted(ref[0], ref[1])))
        return found

    def _update_count(self, led: LedgerRun, op: p.UpdateCount, plan: p.Plan) -> bool:
        home = led.home(op.incident_id)
        if home is None:
            return False
        shown = c.MergedCount(op.view, led.count)
        before = led.posted(op.incident_id, MERGED_COUNT)
        if before is not None:  # coalesced: the newest merge waiting for the message's turn updates it, once
            count = self.latest(f"update:{before.channel}:{before.id}", led.count)
            if count is not None:
                self.port.update(before, c.MergedCount(op.view, count))
            return True
        posted = self.post_once(op.incident_id, MERGED_COUNT, home, shown, plan, led=led)
        if posted is None:  # being posted by another delivery, which shows the count as it is then
            return False
        led.flush()
        latest = c.MergedCount(op.view, self.ledger.queries.count_events(op.incident_id, "merged_report"))
        if latest != shown:  # merged meanwhile: the count catches up in place
            self.port.update(posted, latest)
        return True
