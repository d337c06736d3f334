"""Severity from the three questions the playbooks ask: spread, press coverage, personal data."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

SEVERITIES: Final = ("low", "medium", "high", "critical")


def default_severity(kind: str) -> str:
    """Severity before any question is answered."""
    return "high" if kind in ("leak", "account_takeover") else "medium"


def assess(kind: str, answers: Mapping[str, str]) -> str:
    """Severity from answers `spread` (small|medium|large), `press` and `personal_data` (yes|no|unknown)."""
    spread = answers.get("spread", "")
    press = answers.get("press", "") == "yes"
    personal = answers.get("personal_data", "") == "yes"
    if not spread and "press" not in answers and "personal_data" not in answers:
        return default_severity(kind)
    score = {"small": 0, "medium": 1, "large": 2}.get(spread, 1)
    score += 2 if press else 0
    score += 2 if personal else 0
    if kind in ("leak", "account_takeover"):
        score += 1
    if score >= 4:
        return "critical"
    if score >= 2:
        return "high"
    if score >= 1:
        return "medium"
    return "low"
