"""Text from outside made storable: every database, JSON encoder and HTTP client can take it.

Chat platforms deliver JSON, and JSON may carry a lone UTF-16 surrogate (`"\\ud800"`) or a NUL; Python keeps
both in a str, but UTF-8 cannot encode the first (SQLite, psycopg and form encoding raise) and PostgreSQL
refuses the second in text columns. The core passes everything it stores through `storable`; nothing else
is changed (no trimming, no normalisation: what was reported is what is kept).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace

from bot.ports import ReportInput

REPLACEMENT = "\ufffd"


def storable(text: str | None) -> str:
    """The text with lone surrogates and NULs replaced by U+FFFD (surrogate pairs become their character)."""
    if not text:
        return ""
    if text.isascii():
        return text.replace("\x00", REPLACEMENT)
    # UTF-16 with surrogatepass joins valid pairs; decoding with "replace" turns lone halves into U+FFFD.
    return (
        text.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "replace").replace("\x00", REPLACEMENT)
    )


def storable_or_none(text: str | None) -> str | None:
    """storable() that keeps None."""
    return None if text is None else storable(text)


def storable_map(values: Mapping[str, object]) -> dict[str, str]:
    """Keys and values of a mapping made storable (values as text)."""
    return {storable(str(key)): storable(str(value)) for key, value in values.items()}


# Descriptive fields clipped to their columns (storage/models.py), so PostgreSQL never refuses a long one.
NAME_MAX, PLATFORM_MAX, DEPARTMENT_MAX, PLACE_MAX = 200, 60, 120, 512  # PLACE: full Teams conversation ids


def clip(text: str | None, limit: int) -> str | None:
    """storable() cut to `limit` characters; None stays None."""
    return None if text is None else storable(text)[:limit]


def storable_report(report: ReportInput) -> ReportInput:
    """A report with every text field storable and descriptive fields clipped to their columns."""
    actor = replace(
        report.reporter,
        user_id=storable(report.reporter.user_id),
        display_name=clip(report.reporter.display_name, NAME_MAX) or "",
    )
    conversation = report.conversation
    if conversation is not None:
        conversation = replace(
            conversation,
            channel=clip(conversation.channel, PLACE_MAX) or "",
            thread=clip(conversation.thread, PLACE_MAX),
        )
    return replace(
        report,
        text=storable(report.text),
        reporter=actor,
        source_url=storable_or_none(report.source_url),
        platform=clip(report.platform, PLATFORM_MAX),
        department=clip(report.department, DEPARTMENT_MAX),
        kind_hint=storable_or_none(report.kind_hint),
        idempotency_key=storable_or_none(report.idempotency_key),
        conversation=conversation,
    )
