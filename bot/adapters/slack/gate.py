"""The door in front of Bolt: size, signature and timestamp (401), then the payload's shape (400), counted; then
a delivery the core leaves alone (`quiet`: channel chatter) is answered 200 without Bolt's dispatch."""

# Each refusal is logged by reason, never with the body. Bolt's RequestVerification is off (app.py): a non-numeric
# timestamp makes it raise (500) instead of refusing, and wrongly typed fields make Bolt raise inside a matcher. As
# `before_authorize` middleware the gate also checks requests reaching `app.dispatch` by another road (Socket Mode).

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import re
import time
from collections.abc import Callable, Mapping
from types import SimpleNamespace
from typing import Any

from slack_bolt import BoltRequest, BoltResponse
from slack_bolt.middleware import Middleware
from slack_sdk.signature import SignatureVerifier

from bot.adapters.slack.logs import log_event
from bot.adapters.slack.metrics import SlackMetrics
from bot.adapters.slack.shapes import KNOWN_TYPES, MAX_BODY_BYTES, shape_problem, user_team

MAX_AGE_SECONDS = 5 * 60  # Slack: refuse requests more than five minutes old (replays)
SIGNATURE_CHECKED = "incident_bot_signature_checked"  # set by `handle` only, never from a request
SHAPE_CHECKED = "incident_bot_shape_checked"  # likewise
MAX_EVENT_ID = 200  # the inbox's key column; Slack's ids are ~11 characters (a longer one is run before the 200)
_SIGNATURE = re.compile(r"v0=[0-9a-f]{64}")
_TIMESTAMP = re.compile(r"[0-9]{1,12}")
Headers = Mapping[str, Any]


def _header(headers: Headers, name: str) -> str | None:
    """One header value (Bolt keeps lists; WSGI gives strings), or None."""
    value = next((v for k, v in headers.items() if str(k).lower() == name), None)
    if isinstance(value, (list, tuple)):
        value = value[0] if value else None
    return value if isinstance(value, str) else None


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
    try:
        body.decode("utf-8")
    except UnicodeDecodeError:
        # SignatureVerifier cannot hash what is not UTF-8 (Slack never sends it): hashed here only to tell a signed
        # body (400 malformed, later) from an unsigned one (401).
        digest = hmac.new(secret.encode("utf-8"), b"v0:" + stamp.encode("ascii") + b":" + body, hashlib.sha256)
        return None if hmac.compare_digest("v0=" + digest.hexdigest(), signature) else "bad_signature"
    verifier = SignatureVerifier(secret, clock=SimpleNamespace(now=lambda: now))  # type: ignore[arg-type]
    return None if verifier.is_valid(body, stamp, signature) else "bad_signature"


class SlackGate(Middleware):
    """Checks, counts and logs; as Bolt middleware (before authorize) and as the HTTP entry (`handle`)."""

    def __init__(self, signing_secret: str, metrics: SlackMetrics, *,
                 observe_team: Callable[[str, str], None] | None = None,
                 quiet: Callable[[dict[str, Any]], bool] | None = None,
                 defer: Callable[[str, str], bool] | None = None,
                 clock: Callable[[], float] = time.time) -> None:
        self._secret = signing_secret
        self.metrics = metrics
        self._observe_team = observe_team
        self._quiet = quiet  # a well-formed payload that needs nothing from any listener (app.py says which)
        self._defer = defer  # stores an Events API delivery to run after the 200 (bot/delivery/inbox.py)
        self._clock = clock

    @property
    def name(self) -> str:
        return "SlackGate"

    def refuse(self, status: int, reason: str, **fields: Any) -> BoltResponse:
        """Count, log (reason only) and answer a refusal."""
        count = self.metrics.rejected(reason)
        log_event(logging.WARNING, "slack.request_rejected", status=status, reason=reason, count=count, **fields)
        return BoltResponse(status=status, body={"error": "invalid request" if status == 401 else "bad request"})

    def _after_signature(self, body: Any) -> BoltResponse | None:
        problem = shape_problem(body)
        if problem is not None:
            kind = body.get("type") if isinstance(body, dict) else None
            if not (isinstance(kind, str) and kind in KNOWN_TYPES):
                kind = "command" if isinstance(body, dict) and "command" in body else "other"
            return self.refuse(400, "malformed", problem=problem, type=kind)
        hint = user_team(body)
        if hint is not None and self._observe_team is not None:
            self._observe_team(*hint)
        return None

    def _answered(self, body: Any) -> BoltResponse | None:
        """A refusal, or 200 at once for a delivery that needs nothing; None: Bolt dispatches it."""
        refused = self._after_signature(body)
        if refused is not None:
            return refused
        if self._quiet is not None and isinstance(body, dict) and self._quiet(body):
            return BoltResponse(status=200, body="")
        return None

    def process(self, *, req: BoltRequest, resp: BoltResponse, next: Callable[[], BoltResponse]) -> BoltResponse:
        if req.context.get(SHAPE_CHECKED):
            return next()
        if req.mode != "socket_mode" and not req.context.get(SIGNATURE_CHECKED):
            reason = signature_problem(self._secret, req.raw_body.encode("utf-8", "surrogatepass"), req.headers,
                                       self._clock())
            if reason is not None:
                return self.refuse(401, reason)
        return self._answered(req.body) or next()

    def handle(self, dispatch: Callable[[BoltRequest], BoltResponse], body: bytes, headers: Headers,
               query: str | None = None) -> BoltResponse:
        """Check a raw request (nothing parsed before the signature holds) and hand it to Bolt (`app.dispatch`)."""
        if len(body) > MAX_BODY_BYTES:
            return self.refuse(413, "too_large")
        reason = signature_problem(self._secret, body, headers, self._clock())
        if reason is not None:
            return self.refuse(401, reason)
        context: dict[str, Any] = {SIGNATURE_CHECKED: True}  # the middleware does not hash the body a second time
        try:
            text = body.decode("utf-8")
            # The Events API's JSON (Bolt too parses any body starting so as JSON); forms are Bolt's to read.
            parsed = json.loads(text) if text.startswith("{") else None
        except Exception:  # noqa: BLE001 - not UTF-8 or not JSON: never from Slack
            return self.refuse(400, "malformed", problem="body is not a Slack payload")
        if parsed is not None:
            answered = self._answered(parsed)
            if answered is not None:
                return answered
            event_id = parsed.get("event_id") if parsed.get("type") == "event_callback" else None
            if (isinstance(event_id, str) and len(event_id) <= MAX_EVENT_ID and self._defer is not None
                    and self._defer(event_id, text)):
                return BoltResponse(status=200, body="")  # stored: the inbox runs it through Bolt (app.py)
            context[SHAPE_CHECKED] = True
        bolt_headers = {str(k).lower(): [str(v) for v in value] if isinstance(value, (list, tuple)) else str(value)
                        for k, value in headers.items()}
        try:
            request = BoltRequest(body=text, query=query, headers=bolt_headers, context=context)
        except Exception:  # noqa: BLE001 - not what Bolt reads: never from Slack
            return self.refuse(400, "malformed", problem="body is not a Slack payload")
        return dispatch(request)
