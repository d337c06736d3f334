"""Signed Slack requests (v0 HMAC-SHA256 over "v0:{timestamp}:{body}") for events, interactivity and commands."""

from __future__ import annotations

import json
import time
from typing import Any
from urllib.parse import urlencode

from slack_sdk.signature import SignatureVerifier


def signed_headers(secret: str, body: str, *, timestamp: int | None = None, content_type: str = "application/json",
                   retry_num: int | None = None, signature: str | None = None) -> dict[str, str]:
    """Headers Slack would send with this body; `signature` overrides the computed one (bad-signature tests)."""
    stamp = str(int(time.time()) if timestamp is None else timestamp)
    headers = {
        "content-type": content_type,
        "x-slack-request-timestamp": stamp,
        "x-slack-signature": signature or SignatureVerifier(secret).generate_signature(timestamp=stamp, body=body),
    }
    if retry_num is not None:
        headers["x-slack-retry-num"] = str(retry_num)
        headers["x-slack-retry-reason"] = "http_timeout"
    return headers


def event_request(secret: str, event: dict[str, Any], event_id: str, *, team: str = "T_TEST",
                  retry_num: int | None = None, timestamp: int | None = None) -> tuple[str, dict[str, str]]:
    """An Events API callback (JSON body)."""
    body = json.dumps({"token": "legacy", "team_id": team, "api_app_id": "A_TEST", "type": "event_callback",
                       "event_id": event_id, "event_time": int(time.time()), "event": event,
                       "authorizations": [{"team_id": team, "user_id": "U_BOT", "is_bot": True}]},
                      ensure_ascii=False)
    return body, signed_headers(secret, body, retry_num=retry_num, timestamp=timestamp)


def interactive_request(secret: str, payload: dict[str, Any], *, timestamp: int | None = None
                        ) -> tuple[str, dict[str, str]]:
    """An interactivity request: form-encoded `payload=<json>`."""
    body = urlencode({"payload": json.dumps(payload, ensure_ascii=False)})
    return body, signed_headers(secret, body, content_type="application/x-www-form-urlencoded",
                                timestamp=timestamp)


def command_request(secret: str, fields: dict[str, str], *, timestamp: int | None = None
                    ) -> tuple[str, dict[str, str]]:
    """A slash command: form-encoded fields."""
    body = urlencode(fields)
    return body, signed_headers(secret, body, content_type="application/x-www-form-urlencoded",
                                timestamp=timestamp)
