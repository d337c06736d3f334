"""The door in front of Bolt: signature and timestamp first (refusals counted), then the payload's shape.

Bolt trusts a signed body to look like Slack's. A body that is not JSON (or whose fields have the wrong
types) makes Bolt raise inside `BoltRequest(...)` or a listener matcher, which a web server turns into a
500. Here every request is checked in this order, and each refusal is logged by reason — never with the
body — and counted in `SlackMetrics` (GET /metrics in `serve`):

1. size, then signature and timestamp (401: `missing_signature`, `bad_timestamp`, `stale_timestamp`,
   `bad_signature`), over the raw bytes before anything is parsed (slack_sdk's SignatureVerifier);
2. the body parses into a JSON object and its fields have Slack's shapes (400 `malformed`, shapes.py).

`SlackGate` is also Bolt's `before_authorize` middleware, so requests that reach `app.dispatch` by any
other road (tests, Socket Mode) pass the same checks; Bolt's own RequestVerification is switched off
because a non-numeric timestamp makes it raise (500) instead of refusing.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import re
import time
from collections.abc import Callable, Mapping
from typing import Any

from slack_bolt import BoltRequest, BoltResponse
from slack_bolt.middleware import Middleware
from slack_sdk.signature import SignatureVerifier

from bot.adapters.slack.logs import log_event
from bot.adapters.slack.metrics import SlackMetrics
from bot.adapters.slack.shapes import KNOWN_TYPES, MAX_BODY_BYTES, shape_problem, user_team

MAX_AGE_SECONDS = 5 * 60  # Slack: refuse requests more than five minutes old (replays)
_SIGNATURE = re.compile(r"v0=[0-9a-f]{64}")
_TIMESTAMP = re.compile(r"[0-9]{1,12}")
Headers = Mapping[str, Any]
_SIGNED = "incident_bot_signature_checked"  # context key: this gate checked the signature of the raw bytes


def _header(headers: Headers, name: str) -> str | None:
    """One header value (Bolt keeps lists; WSGI gives strings), or None."""
    for key, value in headers.items():
        if str(key).lower() == name:
            if isinstance(value, (list, tuple)):
                value = value[0] if value else None
            return value if isinstance(value, str) else None
    return None


class _Clock:
    """The clock SignatureVerifier asks (slack_sdk.signature.Clock's interface)."""

    def __init__(self, now: Callable[[], float]) -> None:
        self._now = now

    def now(self) -> float:
        return self._now()


def signature_problem(secret: str, body: bytes, headers: Headers, now: float) -> str | None:
    """Why this request is not signed by Slack with our secret (a counter reason), or None when it is."""
    stamp, signature = _header(headers, "x-slack-request-timestamp"), _header(headers, "x-slack-signature")
    if not stamp or not signature:
        return "missing_signature"
    if not _TIMESTAMP.fullmatch(stamp):
        return "bad_timestamp"
    if abs(now - int(stamp)) > MAX_AGE_SECONDS:
        return "stale_timestamp"
    if not secret or not _SIGNATURE.fullmatch(signature):
        return "bad_signature"
    verifier = SignatureVerifier(secret, clock=_Clock(lambda: now))  # type: ignore[arg-type]
    try:
        body.decode("utf-8")
    except UnicodeDecodeError:
        # Slack only sends UTF-8; SignatureVerifier cannot hash anything else. Such a body is refused either way:
        # this only tells a signed one (400 malformed, after) from an unsigned one (401 here).
        digest = hmac.new(secret.encode("utf-8"), b"v0:" + stamp.encode("ascii") + b":" + body, hashlib.sha256)
        return None if hmac.compare_digest("v0=" + digest.hexdigest(), signature) else "bad_signature"
    return None if verifier.is_valid(body, stamp, signature) else "bad_signature"


# -- the gate ------------------------------------------------------------------------------------------------
class SlackGate(Middleware):
    """Checks, counts and logs; as Bolt middleware (before authorize) and as the HTTP entry (`handle`)."""

    def __init__(
        self,
        signing_secret: str,
        metrics: SlackMetrics,
        *,
        observe_team: Callable[[str, str], None] | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._secret = signing_secret
        self.metrics = metrics
        self._observe_team = observe_team
        self._clock = clock

    @property
    def name(self) -> str:
        return "SlackGate"

    def refuse(self, status: int, reason: str, **fields: Any) -> BoltResponse:
        """Count, log (reason only) and answer a refusal."""
        count = self.metrics.rejected(reason)
        log_event(
            logging.WARNING, "slack.request_rejected", status=status, reason=reason, count=count, **fields
        )
        return BoltResponse(
            status=status, body={"error": "invalid request" if status == 401 else "bad request"}
        )

    def _after_signature(self, body: Any) -> BoltResponse | None:
        problem = shape_problem(body)
        if problem is not None:
            kind = body.get("type") if isinstance(body, dict) else None
            known = isinstance(kind, str) and kind in KNOWN_TYPES
            return self.refuse(
                400,
                "malformed",
                problem=problem,
                type=kind
                if known
                else ("command" if isinstance(body, dict) and "command" in body else "other"),
            )
        hint = user_team(body)
        if hint is not None and self._observe_team is not None:
            self._observe_team(*hint)
        return None

    # Bolt middleware: requests built by anyone (tests, Socket Mode) pass the same checks.
    def process(
        self, *, req: BoltRequest, resp: BoltResponse, next: Callable[[], BoltResponse]
    ) -> BoltResponse:
        if req.mode != "socket_mode" and req.context.get(_SIGNED) is not self:
            raw = req.raw_body.encode("utf-8", "surrogatepass")
            reason = signature_problem(self._secret, raw, req.headers, self._clock())
            if reason is not None:
                return self.refuse(401, reason)
        refusal = self._after_signature(req.body)
        return refusal if refusal is not None else next()

    # The HTTP entry: nothing is parsed before the signature holds.
    def handle(
        self,
        dispatch: Callable[[BoltRequest], BoltResponse],
        body: bytes,
        headers: Headers,
        query: str | None = None,
    ) -> BoltResponse:
        """Check a raw request and hand it to Bolt (`app.dispatch`); refusals never reach a listener."""
        if len(body) > MAX_BODY_BYTES:
            return self.refuse(413, "too_large")
        reason = signature_problem(self._secret, body, headers, self._clock())
        if reason is not None:
            return self.refuse(401, reason)
        try:
            text = body.decode("utf-8")
            request = BoltRequest(body=text, query=query, headers=_bolt_headers(headers))
        except Exception:  # noqa: BLE001 - not UTF-8, not JSON, or not what Bolt reads: never from Slack
            return self.refuse(400, "malformed", problem="body is not a Slack payload")
        request.context[_SIGNED] = self  # checked just above: `process` does not hash the body a second time
        return dispatch(request)


def _bolt_headers(headers: Headers) -> dict[str, str | list[str]]:
    out: dict[str, str | list[str]] = {}
    for key, value in headers.items():
        if isinstance(value, (list, tuple)):
            out[str(key).lower()] = [str(v) for v in value]
        else:
            out[str(key).lower()] = str(value)
    return out


__all__ = ["MAX_BODY_BYTES", "SlackGate", "shape_problem", "signature_problem", "user_team"]
