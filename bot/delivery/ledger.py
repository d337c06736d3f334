"""Where an incident's messages are, and who may post one: claim / put / drop with a lease, for every platform.

A post that must happen once is claimed first, then posted with its marker, then its id put. A second delivery
finds the claim: posted (nothing to do), busy (another holder is posting it now), or taken over (the holder died
longer than the lease ago: look for its post by marker before posting again). The transactional-outbox idea,
with the platform's message metadata as the relay's receipt.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Literal

from sqlalchemy import Connection

from bot.delivery.content import Place, Posted
from bot.lease import POST_LEASE, Lease
from bot.triage.queries import IncidentQueries

# Ref purposes: where the conversation lives, what was posted in it, and marks that are not messages.
THREAD = "thread"
INTRO = "intro"
PR_MESSAGE = "pr_message"
FINISHED = "finished"
ACK_TOLD = "ack_told"
MERGED_COUNT = "merged_count"
PRIVATE_LINE = "private_line"
PRIVACY_ADVICE = "privacy_advice"
PRIVATE_HOME = "private_home"  # a conversation moved private (kind corrected to a restricted one)
PUBLIC_THREAD = "public_thread"  # where a restricted incident was reported in public (rewritten, never used)
SAID = "said"  # said:<message id>: told in the conversation with no purpose of its own (a move private rewrites it)
# reopen_offer:<message id>: a flare-up notice carrying the reopen control, drawn without it once reopened.
REOPEN_OFFER = "reopen_offer"
REPORT_DELIVERY = "report_delivery"  # not a message: the report's posts were all made ("done")
STEP_TOLD = "step_told"  # step_told:<kind>:<step>:<done|skipped>: not a message, what a step press shows was all made
DONE = "done"
COPY = ">"  # step:<kind>:<step>><hashed user>: a step's card in that person's private chat
MAX_GENERATIONS = 20  # how often a playbook can be re-entered by kind corrections (A -> B -> A …)

ClaimState = Literal["new", "posted", "busy", "taken_over"]
# Claims made in the core's transaction are used as they are only if the plan starts this soon after: later (a
# queue), they are renewed first, so a plan never runs on a lease that has nearly run out.
PREPARED_FRESH = timedelta(seconds=10)
# A claim held for this share of its lease is renewed before its post: a takeover can only come after the lease.
KEEP_AFTER = 0.25
log = logging.getLogger("incident_bot.delivery")


def step_purpose(kind: str, step_id: str, generation: int = 1) -> str:
    """The ref purpose of a step message; later generations exist when a kind is corrected back."""
    base = f"step:{kind}:{step_id}"
    return base if generation == 1 else f"{base}#{generation}"


def copy_purpose(purpose: str, user_id: str) -> str:
    """The ref purpose of a post's copy in one person's private chat (a step's card sent to a status asker who may
    act on it, and what follows their press), keyed by that person (hashed: an id may be longer than a purpose)."""
    return f"{purpose}{COPY}{hashlib.sha256(user_id.encode('utf-8')).hexdigest()[:16]}"


def said_purpose(prefix: str, *occasion: str) -> str:
    """The ref purpose of a message said once per occasion (a follow-up's 【続報】, a co-reporter's 【共同報告】):
    `prefix` and a hash of what tells the occasions apart (the same when the occasion is delivered again)."""
    return f"{prefix}:{hashlib.sha256(chr(10).join(occasion).encode('utf-8')).hexdigest()[:16]}"


def step_told_purpose(kind: str, step_id: str, status: str) -> str:
    """The mark that a step's press (done or skipped) was shown to the end: resume finishes presses without it."""
    return f"{STEP_TOLD}:{kind}:{step_id}:{status}"


def escalation_purpose(level: int) -> str:
    """The ref purpose of an escalation message of a chain level."""
    return f"escalation:{level}"


def notification_purposes(chain_length: int) -> list[str]:
    """Every acknowledgeable message of an incident: the PR message, then each escalation level."""
    return [PR_MESSAGE] + [escalation_purpose(level) for level in range(2, chain_length + 1)]


@dataclass(frozen=True)
class Claim:
    """The answer to Ledger.claim, with the stored place."""

    state: ClaimState
    channel: str
    id: str | None
    at: datetime | None = None  # new or taken over: when it was made (see Ledger.keep)


@dataclass
class Prepared:
    """A plan's ledger work done in another transaction (the core's, with the report): refs read, claims made.
    Used as it is once; a second run of the plan reads the ledger again."""

    incident_id: int
    refs: dict[str, tuple[str, str | None]]
    claims: dict[str, Claim]
    count: int
    at: datetime  # when the claims were made
    spent: bool = False


class Ledger:
    """Platform refs of one platform, through the core's queries (each call its own short transaction)."""

    def __init__(self, queries: Callable[[], IncidentQueries], platform: str, lease: Lease = POST_LEASE) -> None:
        self._queries = queries
        self.platform = platform
        self.lease = lease

    @property
    def queries(self) -> IncidentQueries:
        return self._queries()

    def begin(self, incident_id: int, wanted: dict[str, str], record: dict[str, tuple[str, str]] | None = None,
              count_type: str | None = None, *, record_each: bool = False,
              prepared: Prepared | None = None) -> LedgerRun:
        """The ledger for one plan (see LedgerRun)."""
        return LedgerRun(self, incident_id, wanted, record, count_type, record_each=record_each, prepared=prepared)

    def prepare(self, connection: Connection, incident_id: int, wanted: dict[str, str],
                record: dict[str, tuple[str, str]] | None = None, count_type: str | None = None, *,
                fresh: bool = False) -> Prepared:
        """`begin`'s transaction done on the caller's connection, to be handed to `begin` (one commit fewer);
        `fresh`: the incident was created in that transaction (no refs to read)."""
        queries = self.queries
        at = queries.deps.clock.now()
        refs, claims, count = queries.claim_refs_on(connection, incident_id, self.platform, wanted, lease=self.lease,
                                                    record=record, count_type=count_type, now=at, fresh=fresh)
        return Prepared(incident_id, refs, {purpose: Claim(found.state, found.channel, found.ts, found.at)
                                            for purpose, found in claims.items()}, count, at)

    def get(self, incident_id: int, purpose: str) -> tuple[str, str | None] | None:
        """(channel, id) stored for the purpose; id None while claimed and not yet posted."""
        return self.queries.get_ref(incident_id, self.platform, purpose)

    def posted(self, incident_id: int, purpose: str) -> Posted | None:
        """The posted message for the purpose, if any."""
        ref = self.get(incident_id, purpose)
        return Posted(ref[0], ref[1]) if ref and ref[1] else None

    def claim(self, incident_id: int, purpose: str, channel: str, lease: Lease | None = None) -> Claim:
        """Claim the right to post (see the module docstring)."""
        found = self.queries.claim_ref(incident_id, self.platform, purpose, channel, lease=lease or self.lease)
        return Claim(found.state, found.channel, found.ts, found.at)

    def keep(self, incident_id: int, purpose: str, claim: Claim, lease: Lease | None = None) -> Claim | None:
        """A claim about to be used, held so long (waiting for its channel's turn, a rate limit) that its lease may
        have run out: renewed as its own first; None if another holder took it over meanwhile (it posts)."""
        lease = lease or self.lease
        now = self.queries.deps.clock.now()
        if claim.at is None or not lease.duration or now - claim.at < lease.duration * KEEP_AFTER:
            return claim
        if self.queries.renew_ref(incident_id, self.platform, purpose, claim.at, now):
            return replace(claim, at=now)
        log.warning("delivery.claim_lost incident_id=%s purpose=%s", incident_id, purpose)
        return None

    def put(self, incident_id: int, purpose: str, channel: str, ident: str) -> bool:
        """Record where it was posted; False if another delivery recorded it first."""
        return self.queries.put_ref(incident_id, self.platform, purpose, channel, ident)

    def drop(self, incident_id: int, purpose: str) -> None:
        """Give a claim back after a failed post, so a later delivery can post it."""
        self.queries.drop_ref(incident_id, self.platform, purpose)

    def forget(self, incident_id: int, purpose: str) -> None:
        """Remove a mark, so what it marked is done again (a reopened incident's next end withdraws its controls)."""
        self.queries.forget_ref(incident_id, self.platform, purpose)

    def refs(self, incident_id: int) -> list[tuple[str, str, str | None]]:
        """Every (purpose, channel, id) stored for the incident."""
        return self.queries.refs(incident_id, self.platform)

    def retire(self, incident_id: int, purpose: str) -> None:
        """A post said once per occasion (FINISHED, once per resolution) made sayable again: its message kept as
        said in the conversation (a move private still rewrites it), the purpose and its copies' claims freed."""
        for found, channel, ident in self.refs(incident_id):
            if found != purpose and not found.startswith(purpose + COPY):
                continue
            if ident and found == purpose:
                self.put(incident_id, f"{SAID}:{ident}", channel, ident)
            self.forget(incident_id, found)

    def home(self, incident_id: int) -> Place | None:
        """Where the incident's conversation lives (thread in a channel, or a private conversation); None while a
        restricted incident's move out of its public thread is unfinished: what it would post there is held."""
        ref = self.get(incident_id, PRIVATE_HOME)
        if ref is None or ref[1] is None:
            ref = self.get(incident_id, THREAD)
            if ref is not None and ref == self.get(incident_id, PUBLIC_THREAD):
                log.warning("delivery.held_until_private incident_id=%s", incident_id)
                return None
        if ref is None or ref[1] is None:
            return None
        return Place(ref[0], ref[1])

    def step_refs(self, incident_id: int, kind: str, step_id: str) -> list[tuple[str, str | None]]:
        """Where each generation of a step's message went, oldest first."""
        found: list[tuple[str, str | None]] = []
        for generation in range(1, MAX_GENERATIONS + 1):
            ref = self.get(incident_id, step_purpose(kind, step_id, generation))
            if ref is None:
                break
            found.append(ref)
        return found

    def next_step_purpose(self, incident_id: int, kind: str, step_id: str, *, fresh: bool) -> str:
        """The purpose to post a step under: the first one, or (after a kind correction) the next free one."""
        if not fresh:
            return step_purpose(kind, step_id)
        used = len(self.step_refs(incident_id, kind, step_id))
        return step_purpose(kind, step_id, min(used + 1, MAX_GENERATIONS))

    def step_copies(self, incident_id: int, kind: str, step_id: str) -> list[Posted]:
        """The step's cards posted to people's private chats (copy_purpose)."""
        prefix = step_purpose(kind, step_id) + COPY
        return [Posted(channel, ident) for purpose, channel, ident in self.refs(incident_id)
                if purpose.startswith(prefix) and ident]

    def latest_step(self, incident_id: int, kind: str, step_id: str) -> Posted | None:
        """The newest posted message of a step."""
        refs = [ref for ref in self.step_refs(incident_id, kind, step_id) if ref[1]]
        return Posted(refs[-1][0], str(refs[-1][1])) if refs else None


class LedgerRun(Ledger):
    """The ledger for one plan of one incident: its refs read, its claims made and its own places recorded in one
    transaction at the start, what it posts recorded in one at the end (the conversation's home at once, since
    other deliveries need it). A crash in between leaves claims that the lease hands over to a later delivery,
    which finds the posts by their markers. Where the port cannot find them (`record_each`), each post is
    recorded at once: a crash then repeats at most the one post it interrupted, not every post of the plan.
    `prepared`: that first transaction was the core's (Ledger.prepare); too old (PREPARED_FRESH), it is made again
    here with the prepared claims as this plan's own."""

    def __init__(self, ledger: Ledger, incident_id: int, wanted: dict[str, str],
                 record: dict[str, tuple[str, str]] | None = None, count_type: str | None = None, *,
                 record_each: bool = False, prepared: Prepared | None = None) -> None:
        super().__init__(ledger._queries, ledger.platform, ledger.lease)
        self.record_each = record_each
        self.incident_id = incident_id
        if prepared is not None and (prepared.incident_id != incident_id or prepared.spent):
            prepared = None  # another plan's, or used already: its claims are no longer this run's own
        if prepared is not None:
            prepared.spent = True
        if prepared is not None and self.queries.deps.clock.now() - prepared.at <= PREPARED_FRESH:
            self._refs, self._claims, self.count = dict(prepared.refs), dict(prepared.claims), prepared.count
        else:
            own = None if prepared is None else (prepared.at, frozenset(
                purpose for purpose, claim in prepared.claims.items() if claim.state in ("new", "taken_over")))
            self._refs, claims, self.count = self.queries.claim_refs(
                incident_id, self.platform, wanted, lease=self.lease, record=record, count_type=count_type, own=own)
            # A claim the prepared transaction took over from a dead holder is renewed as "new" (its own again), but
            # that holder may have posted before dying: it stays taken over, so the post is looked for first.
            taken = {purpose for purpose, claim in (prepared.claims.items() if prepared else ())
                     if claim.state == "taken_over"}
            self._claims = {purpose: Claim("taken_over" if found.state == "new" and purpose in taken else found.state,
                                           found.channel, found.ts, found.at)
                            for purpose, found in claims.items()}
        self._pending: dict[str, tuple[str, str]] = {}

    def get(self, incident_id: int, purpose: str) -> tuple[str, str | None] | None:
        if incident_id != self.incident_id:
            return super().get(incident_id, purpose)
        return self._refs.get(purpose)

    def claim(self, incident_id: int, purpose: str, channel: str, lease: Lease | None = None) -> Claim:
        if incident_id == self.incident_id and purpose in self._claims and lease is None:
            return self._claims.pop(purpose)
        found = super().claim(incident_id, purpose, channel, lease)
        if incident_id == self.incident_id and found.state in ("new", "taken_over"):
            self._refs[purpose] = (found.channel, None)
        return found

    def put(self, incident_id: int, purpose: str, channel: str, ident: str) -> bool:
        if incident_id != self.incident_id:
            return super().put(incident_id, purpose, channel, ident)
        current = self._refs.get(purpose)
        if current is not None and current[1]:
            return False
        self._refs[purpose] = self._pending[purpose] = (channel, ident)
        if purpose in (THREAD, PRIVATE_HOME) or self.record_each:
            self.flush()
        return True

    def drop(self, incident_id: int, purpose: str) -> None:
        super().drop(incident_id, purpose)
        if incident_id == self.incident_id:
            self._refs.pop(purpose, None)

    def forget(self, incident_id: int, purpose: str) -> None:
        super().forget(incident_id, purpose)
        if incident_id == self.incident_id:
            self._refs.pop(purpose, None)

    def refs(self, incident_id: int) -> list[tuple[str, str, str | None]]:
        if incident_id != self.incident_id:
            return super().refs(incident_id)
        return [(purpose, channel, ident) for purpose, (channel, ident) in self._refs.items()]

    def release(self) -> None:
        """Give back the claims this plan made and did not use (skipped operations), then flush. A claim taken over
        from a dead holder is kept: that holder may have posted before dying, and only a later holder that takes it
        over again looks for the post by its marker (dropped, the next delivery would post it a second time)."""
        for purpose, claim in list(self._claims.items()):
            if claim.state == "new":
                self.drop(self.incident_id, purpose)
        self._claims.clear()
        self.flush()

    def flush(self) -> None:
        """Record what was posted so far (one transaction)."""
        if self._pending:
            self.queries.put_refs(self.incident_id, self.platform, dict(self._pending))
            self._pending.clear()
