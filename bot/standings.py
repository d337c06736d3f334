"""What an adapter has found out about who its users are, for the core's access policy (platform_access.py):
a member, a guest, another organisation's user, or unknown because the platform could not say. Each answer is
kept for a while (a failed lookup only briefly, so it is asked again soon); thread-safe, since the scheduler's
threads read it too. Whether a failed lookup is recorded at all (fail closed) is the adapter's choice."""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from typing import Literal

Standing = Literal["member", "guest", "external", "unknown"]
OUTSIDER_STANDINGS = ("guest", "external")
TTL_SECONDS = 3600.0
FAILED_TTL_SECONDS = 60.0


class Standings:
    """User id -> standing, each remembered for its TTL."""

    def __init__(self, monotonic: Callable[[], float] = time.monotonic, ttl: float = TTL_SECONDS,
                 failed_ttl: float = FAILED_TTL_SECONDS) -> None:
        self._monotonic = monotonic
        self._ttl, self._failed_ttl = ttl, failed_ttl
        self._lock = threading.Lock()
        self._seen: dict[str, tuple[Standing, float]] = {}  # user id -> (standing, when it was found out)
        # The last snapshot and when it goes stale (the first of its answers to expire): every delivery asks for
        # it, and going through every user seen (a whole city hall's staff) each time cost milliseconds.
        self._snapshot: tuple[frozenset[str], frozenset[str]] | None = None
        self._snapshot_until = 0.0

    def remember(self, user_id: str, standing: Standing) -> None:
        with self._lock:
            self._seen[user_id] = standing, self._monotonic()
            self._snapshot = None

    def standing(self, user_id: str) -> Standing | None:
        """What is known now (None: never found out, or the answer is too old)."""
        with self._lock:
            standing, at = self._seen.get(user_id, (None, 0.0))
        ttl = self._failed_ttl if standing == "unknown" else self._ttl
        return standing if standing is not None and self._monotonic() - at < ttl else None

    def snapshot(self) -> tuple[frozenset[str], frozenset[str]]:
        """(outsiders, unverified) as known now: what the access policy adds for this platform."""
        now = self._monotonic()
        with self._lock:
            if self._snapshot is not None and now < self._snapshot_until:
                return self._snapshot
            outsiders: set[str] = set()
            unverified: set[str] = set()
            until = math.inf
            for user, (standing, at) in self._seen.items():
                if standing not in OUTSIDER_STANDINGS and standing != "unknown":
                    continue  # a member's answer adds nothing, fresh or not
                expires = at + (self._failed_ttl if standing == "unknown" else self._ttl)
                if now < expires:
                    (unverified if standing == "unknown" else outsiders).add(user)
                    until = min(until, expires)
            self._snapshot, self._snapshot_until = (frozenset(outsiders), frozenset(unverified)), until
            return self._snapshot


__all__ = ["Standing", "Standings", "OUTSIDER_STANDINGS", "TTL_SECONDS", "FAILED_TTL_SECONDS"]
