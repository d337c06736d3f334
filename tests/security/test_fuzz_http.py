"""Hostile requests over a real socket to `incident-bot serve` (waitress → gate → Bolt), and what it logs.

The same generated requests as the in-process fuzz (tests/security/payloads.py), plus what only exists on
the wire: bodies that are not UTF-8, bodies over the size limit, a Content-Length larger than what is sent,
other paths and methods. Checked per request: never a 5xx. Checked at the end, on everything the process
wrote: every stderr line is a JSON log record (structured), none is an ERROR or holds a traceback, none holds
a generated text (CANARY), the bot token or the signing secret; GET /metrics counts every refusal by reason;
and what the bot sent to Slack holds no markup from user text and no evaluated Jinja.
"""

from __future__ import annotations

import http.client
import json
import re
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import pytest
from fake_slack import FakeSlack
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.security.conftest import (
    BOT_TOKEN,
    FLAMING,
    REPORT,
    REPORTER,
    SECRET,
    Served,
    seed_messages,
    sent_texts,
    settle,
    start_serve,
    stop_serve,
    unsafe_markup,
)
from tests.security.payloads import (
    CANARY,
    JINJA_EVALUATED,
    Request,
    badly_signed_request,
    sign,
    signed_request,
)

SIGNED_OVER_HTTP = 500
UNSIGNED_OVER_HTTP = 150
FUZZ: dict[str, Any] = {
    "deadline": None,
    "derandomize": True,
    "database": None,
    "print_blob": False,
    "suppress_health_check": list(HealthCheck),
}
REJECTED = "incident_bot_slack_requests_rejected_total"


class Wire:
    """Raw HTTP to the server (http.client: bodies and headers go out exactly as given)."""

    def __init__(self, base: str) -> None:
        parts = urlsplit(base)
        self.host, self.port = parts.hostname or "127.0.0.1", parts.port or 80
        self.sent: dict[str, int] = {}

    def request(
        self,
        method: str,
        path: str,
        body: bytes = b"",
        headers: dict[str, str] | None = None,
        length: int | None = None,
    ) -> tuple[int, bytes]:
        connection = http.client.HTTPConnection(self.host, self.port, timeout=30)
        try:
            connection.putrequest(method, path, skip_accept_encoding=True)
            for name, value in (headers or {}).items():
                connection.putheader(name, value.encode("latin-1", "replace"))
            connection.putheader("Content-Length", str(len(body) if length is None else length))
            connection.endheaders(body)
            answer = connection.getresponse()
            return answer.status, answer.read()
        finally:
            connection.close()

    def post(self, request: Request) -> int:
        status, _ = self.request("POST", "/slack/events", request.body, request.headers)
        return status

    def metrics(self) -> dict[str, int]:
        status, body = self.request("GET", "/metrics")
        assert status == 200
        found = re.findall(rf'^{REJECTED}{{reason="(\w+)"}} (\d+)$', body.decode(), re.MULTILINE)
        return {reason: int(count) for reason, count in found}


@pytest.fixture(scope="module")
def http_fake() -> Iterator[FakeSlack]:
    from tests.security.conftest import add_users

    fake = FakeSlack().start()
    add_users(fake)
    yield fake
    fake.stop()


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory, http_fake: FakeSlack) -> Iterator[tuple[Served, Wire]]:
    server = start_serve(tmp_path_factory.mktemp("serve-fuzz"), http_fake)
    wire = Wire(server.url)
    yield server, wire
    if server.process.poll() is None:
        stop_serve(server)


@pytest.fixture(scope="module")
def expected_refusals() -> dict[str, int]:
    """Refusals the tests below expect the server to have counted, by reason."""
    return {}


def test_a_report_goes_through_over_http(served: tuple[Served, Wire], http_fake: FakeSlack) -> None:
    """The server works at all (the fuzz below is not just refused wholesale); seeds incidents 1 and 2."""
    _, wire = served
    for n in (1, 2):
        message = http_fake.add_message(REPORT, FLAMING.format(n=n), REPORTER)
        event = {
            "type": "message",
            "channel": REPORT,
            "user": REPORTER,
            "text": message["text"],
            "ts": message["ts"],
            "channel_type": "channel",
        }
        body = json.dumps(
            {"type": "event_callback", "event_id": f"EvHTTP{n}", "team_id": "T_TEST", "event": event}
        ).encode()
        assert (
            wire.post(Request(body, {"content-type": "application/json", **sign(SECRET, body)}, "event"))
            == 200
        )
    http_fake.wait_for(lambda f: len(f.calls_to("chat.postMessage", channel="C_PR")) == 2, timeout=30)


@settings(max_examples=SIGNED_OVER_HTTP, **FUZZ)
@given(data=st.data())
def test_signed_hostile_requests_over_http(
    served: tuple[Served, Wire], http_fake: FakeSlack, expected_refusals: dict[str, int], data: st.DataObject
) -> None:
    _, wire = served
    request = data.draw(signed_request(SECRET, (1, 2), http_fake.url), label="request")
    seed_messages(http_fake, request.payload)
    status = wire.post(request)
    assert status < 500 and status in (200, 400, 404, 413), status
    if status == 400:
        expected_refusals["malformed"] = expected_refusals.get("malformed", 0) + 1


@settings(max_examples=UNSIGNED_OVER_HTTP, **FUZZ)
@given(data=st.data())
def test_badly_signed_requests_over_http_are_refused(
    served: tuple[Served, Wire], expected_refusals: dict[str, int], data: st.DataObject
) -> None:
    _, wire = served
    request, reason = data.draw(badly_signed_request(SECRET), label="request")
    stamp = request.headers.get("x-slack-request-timestamp", "")
    if reason == "bad_timestamp" and stamp != stamp.strip() and re.fullmatch(r"[0-9]{1,12}", stamp.strip()):
        reason = "stale_timestamp"  # HTTP strips spaces around a header value: " 1" arrives as 1 (in 1970)
    assert wire.post(request) == 401
    expected_refusals[reason] = expected_refusals.get(reason, 0) + 1


def test_what_only_exists_on_the_wire(served: tuple[Served, Wire], expected_refusals: dict[str, int]) -> None:
    _, wire = served
    huge = b'{"type": "event_callback", "event": {"text": "' + b"a" * (3 * 1024 * 1024) + b'"}}'
    assert (
        wire.request(
            "POST", "/slack/events", huge, {"content-type": "application/json", **sign(SECRET, huge)}
        )[0]
        == 413
    )
    expected_refusals["too_large"] = expected_refusals.get("too_large", 0) + 1
    # Announced as huge, nothing sent after the headers: waitress refuses it before reading (not counted: the
    # gate never sees it), instead of holding the connection open for 50 MB that never come.
    assert (
        wire.request(
            "POST", "/slack/events", b"", {"content-type": "application/json"}, length=50 * 1024 * 1024
        )[0]
        == 413
    )
    not_utf8 = b'{"type": "event_callback", "event": {"type": "message", "text": "\xff\xfe\xc0"}}'
    assert (
        wire.request(
            "POST", "/slack/events", not_utf8, {"content-type": "application/json", **sign(SECRET, not_utf8)}
        )[0]
        == 400
    )
    expected_refusals["malformed"] = expected_refusals.get("malformed", 0) + 1
    for method, path in (
        ("GET", "/slack/events"),
        ("PUT", "/slack/events"),
        ("DELETE", "/"),
        ("GET", "/x" * 500),
        ("POST", "/metrics"),
        ("GET", "/%00"),
        ("GET", "/slack/events/../metrics"),
    ):
        status, _ = wire.request(method, path)
        assert status in (200, 404, 405), (method, path, status)
    status, body = wire.request("GET", "/metrics")
    assert status == 200 and body.decode().startswith("# HELP")


def test_the_server_counted_logged_and_leaked_nothing(
    served: tuple[Served, Wire], http_fake: FakeSlack, expected_refusals: dict[str, int]
) -> None:
    server, wire = served
    settle(http_fake)
    counted = wire.metrics()
    for reason, count in expected_refusals.items():
        assert counted.get(reason, 0) == count, (reason, counted, expected_refusals)
    assert sum(counted.values()) == sum(expected_refusals.values())
    calls = list(http_fake.calls)
    assert not unsafe_markup(calls), unsafe_markup(calls)[:5]
    mrkdwn, plain = sent_texts(calls)
    assert not [t for t in mrkdwn + plain if any(e in t for e in JINJA_EVALUATED)]
    assert stop_serve(server) == 0
    records = server.log_lines()  # every line is JSON
    assert records and all({"ts", "level", "logger", "event", "msg"} <= set(r) for r in records)
    stderr = "".join(server.stderr)
    assert "Traceback" not in stderr and not [r for r in records if r["level"] in ("ERROR", "CRITICAL")], [
        r for r in records if r["level"] in ("ERROR", "CRITICAL")
    ][:3]
    for secret in (CANARY, BOT_TOKEN, SECRET):
        assert secret not in stderr and secret not in "".join(server.stdout)
    refusals = [r for r in records if r["event"] == "slack.request_rejected"]
    assert len(refusals) == sum(expected_refusals.values())
    assert all(isinstance(r.get("reason"), str) and isinstance(r.get("count"), int) for r in refusals)
    reports = [r for r in records if r["event"] == "slack.report"]
    assert reports and all(isinstance(r.get("incident_id"), int) for r in reports)
