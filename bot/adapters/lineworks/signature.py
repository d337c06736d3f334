"""Callback authenticity: X-WORKS-Signature is Base64(HMAC-SHA256(raw body, Bot Secret)).

Header names are matched case-insensitively (LINE WORKS may change their spelling without notice), and
signatures are compared in constant time on the decoded bytes.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

SIGNATURE_HEADER = "X-WORKS-Signature"
BOT_ID_HEADER = "X-WORKS-BotId"


def sign(body: bytes, secret: str) -> str:
    """The signature LINE WORKS sends for `body` (used by tests and the local API server)."""
    return base64.b64encode(hmac.new(secret.encode("utf-8"), body, hashlib.sha256).digest()).decode("ascii")


def header(headers: Mapping[str, str] | Iterable[tuple[str, str]], name: str) -> str | None:
    """A request header by name, ignoring case; None when absent."""
    items = headers.items() if isinstance(headers, Mapping) else headers
    wanted = name.lower()
    for key, value in items:
        if key.lower() == wanted:
            return value
    return None


def valid_signature(body: bytes, signature: str | None, secret: str) -> bool:
    """Whether `signature` is the Base64 HMAC-SHA256 of the exact raw body under the bot secret."""
    if not signature:
        return False
    try:
        given = base64.b64decode(signature.strip(), validate=True)
    except (binascii.Error, ValueError):
        return False
    expected = hmac.new(secret.encode("utf-8"), body, hashlib.sha256).digest()
    return hmac.compare_digest(given, expected)


@dataclass(frozen=True)
class Verdict:
    """Whether a callback may be processed, and why not (a log code, never shown to callers)."""

    ok: bool
    reason: str = ""


def verify(body: bytes, headers: Mapping[str, str] | Iterable[tuple[str, str]], *, bot_id: str,
           secret: str) -> Verdict:
    """Check the signature and that the callback is addressed to this bot."""
    signature = header(headers, SIGNATURE_HEADER)
    if not signature:
        return Verdict(False, "missing_signature")
    if not valid_signature(body, signature, secret):
        return Verdict(False, "bad_signature")
    sent_bot = header(headers, BOT_ID_HEADER)
    # Only a valid signature reaches here, so a different bot id is a misrouted (or replayed) callback.
    if sent_bot is not None and sent_bot.strip() != bot_id:
        return Verdict(False, "other_bot")
    return Verdict(True)


__all__ = ["SIGNATURE_HEADER", "BOT_ID_HEADER", "sign", "header", "valid_signature", "Verdict", "verify"]
