"""Refused requests by reason, as Prometheus text at GET /metrics (serve); one instance per adapter, thread-safe."""

from __future__ import annotations

import threading
from collections import Counter

REJECTED = "incident_bot_slack_requests_rejected_total"
# Reasons always listed (0 until they happen), so a dashboard sees the series before the first attack.
REJECT_REASONS = ("bad_signature", "stale_timestamp", "missing_signature", "bad_timestamp", "malformed", "too_large")


class SlackMetrics:
    """The rejected-requests counter with one label (`reason`)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._rejected: Counter[str] = Counter()

    def rejected(self, reason: str) -> int:
        """Count one refused request; returns how many were refused for this reason so far."""
        with self._lock:
            self._rejected[reason] += 1
            return self._rejected[reason]

    def snapshot(self) -> dict[str, dict[str, int]]:
        """Every counter by name and reason (a copy)."""
        with self._lock:
            return {REJECTED: dict(self._rejected)} if self._rejected else {}

    def render(self) -> str:
        """The counter as Prometheus text, one series per reason (known reasons listed even at 0)."""
        counts = dict.fromkeys(REJECT_REASONS, 0) | self.snapshot().get(REJECTED, {})
        lines = [f"# HELP {REJECTED} Slack requests refused before any listener ran, by reason",
                 f"# TYPE {REJECTED} counter"]
        lines += [f'{REJECTED}{{reason="{reason}"}} {counts[reason]}' for reason in sorted(counts)]
        return "\n".join(lines) + "\n"
