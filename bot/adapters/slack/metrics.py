"""Counters the operator can read: refused requests by reason, as plain text at GET /metrics (serve).

One instance per adapter (nothing global); every increment is thread-safe. The text format is the
Prometheus exposition format, so a scraper can read it as is, and a person can read it with curl.
"""

from __future__ import annotations

import threading
from collections import Counter

REJECTED = "incident_bot_slack_requests_rejected_total"
# Reasons always listed (0 until they happen), so a dashboard sees the series before the first attack.
REJECT_REASONS = (
    "bad_signature",
    "stale_timestamp",
    "missing_signature",
    "bad_timestamp",
    "malformed",
    "too_large",
)
HELP = {REJECTED: "Slack requests refused before any listener ran, by reason"}
KNOWN = {REJECTED: REJECT_REASONS}


class SlackMetrics:
    """Thread-safe counters with one label (`reason`)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._counts: Counter[tuple[str, str]] = Counter()

    def incr(self, name: str, reason: str, by: int = 1) -> int:
        """Add to a counter; returns its new value."""
        with self._lock:
            self._counts[(name, reason)] += by
            return self._counts[(name, reason)]

    def rejected(self, reason: str) -> int:
        """Count one refused request; returns how many were refused for this reason so far."""
        return self.incr(REJECTED, reason)

    def value(self, name: str, reason: str | None = None) -> int:
        """A counter's value for one reason, or summed over all reasons."""
        with self._lock:
            if reason is not None:
                return self._counts[(name, reason)]
            return sum(count for (key, _), count in self._counts.items() if key == name)

    def snapshot(self) -> dict[str, dict[str, int]]:
        """Every counter by name and reason (a copy)."""
        with self._lock:
            out: dict[str, dict[str, int]] = {}
            for (name, reason), count in self._counts.items():
                out.setdefault(name, {})[reason] = count
            return out

    def render(self) -> str:
        """The counters as Prometheus text, one series per reason (known reasons listed even at 0)."""
        snapshot = self.snapshot()
        lines: list[str] = []
        for name in sorted(set(HELP) | set(snapshot)):
            if name in HELP:
                lines.append(f"# HELP {name} {HELP[name]}")
            lines.append(f"# TYPE {name} counter")
            counts = {reason: 0 for reason in KNOWN.get(name, ())} | snapshot.get(name, {})
            for reason in sorted(counts):
                lines.append(f'{name}{{reason="{reason}"}} {counts[reason]}')
        return "\n".join(lines) + "\n"
