"""The kept-alive Web API client answers and fails as slack_sdk's own WebClient does, with the same requests."""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Iterator
from typing import Any

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_handlers import ConnectionErrorRetryHandler, RateLimitErrorRetryHandler

from bot.adapters.slack.keepalive import KeepAliveClient
from tests.slack.fake_slack import FakeSlack

TOKEN = "xoxb-keepalive-test"
BLOCKS = [{"type": "section", "text": {"type": "mrkdwn", "text": "市の公式Xの投稿 <https://x.com/a|a>"}}]


@pytest.fixture
def fake() -> Iterator[FakeSlack]:
    server = FakeSlack().start()
    server.add_user("U_A", "担当 山田")
    yield server
    server.stop()


def clients(url: str, *handlers: Any) -> tuple[WebClient, KeepAliveClient]:
    """slack_sdk's client and ours, configured alike."""
    return (WebClient(token=TOKEN, base_url=url, retry_handlers=list(handlers)),
            KeepAliveClient(token=TOKEN, base_url=url, retry_handlers=list(handlers)))


def last_request(fake: FakeSlack) -> tuple[str, dict[str, Any], dict[str, str]]:
    call = fake.calls[-1]
    return call.method, call.args, {k: call.headers[k] for k in ("content-type", "authorization", "user-agent")}


def test_json_call_sends_and_answers_as_slack_sdk(fake: FakeSlack) -> None:
    plain, kept = clients(fake.api_url, ConnectionErrorRetryHandler(max_retry_count=2))
    answers = []
    requests = []
    for client in (plain, kept, kept):  # twice through ours: the second call reuses the kept connection
        answer = client.chat_postMessage(channel="C_R", thread_ts=None, text="報告", blocks=BLOCKS,
                                         unfurl_links=False, metadata={"event_type": "t", "event_payload": {"i": 1}})
        answers.append((answer.status_code, sorted(answer.data), answer.req_args["json"]["channel"]))
        requests.append(last_request(fake))
    assert answers[0] == answers[1] == answers[2]
    assert requests[0] == requests[1] == requests[2]
    assert requests[1][1]["unfurl_links"] is False and "thread_ts" not in requests[1][1]


def test_form_call_sends_and_answers_as_slack_sdk(fake: FakeSlack) -> None:
    plain, kept = clients(fake.api_url)
    first = plain.users_info(user="U_A", include_locale=True)
    sent_plain = last_request(fake)
    second = kept.users_info(user="U_A", include_locale=True)
    assert last_request(fake) == sent_plain
    assert sent_plain[1]["include_locale"] == "1"
    assert first.data == second.data and second["user"]["real_name"] == "担当 山田"


def test_api_error_raises_as_slack_sdk(fake: FakeSlack) -> None:
    plain, kept = clients(fake.api_url)
    errors = []
    for client in (plain, kept):
        fake.fail("chat.postMessage", "not_in_channel")
        with pytest.raises(SlackApiError) as raised:
            client.chat_postMessage(channel="C_R", text="x")
        errors.append((raised.value.response.status_code, raised.value.response["error"]))
    assert errors == [(200, "not_in_channel")] * 2


def test_rate_limit_raises_once_without_a_rate_limit_handler(fake: FakeSlack) -> None:
    plain, kept = clients(fake.api_url, ConnectionErrorRetryHandler(max_retry_count=2))
    seen = []
    for client in (plain, kept):
        fake.rate_limit("chat.postMessage")
        before = len(fake.calls)
        with pytest.raises(SlackApiError) as raised:
            client.chat_postMessage(channel="C_R", text="x")
        response = raised.value.response
        seen.append((response.status_code, response.headers.get("Retry-After"), response["error"],
                     len(fake.calls) - before))
    assert seen == [(429, "1", "ratelimited", 1)] * 2  # told, and sent once: the pacer waits it out


def test_rate_limit_is_waited_out_by_the_rate_limit_handler(fake: FakeSlack) -> None:
    _, kept = clients(fake.api_url, RateLimitErrorRetryHandler(max_retry_count=1))
    fake.rate_limit("users.info")
    answer = kept.users_info(user="U_A")
    assert answer["ok"] is True
    assert [c.status for c in fake.calls if c.method == "users.info"] == [429, 200]


class DroppingServer:
    """Answers chat.postMessage like Slack, but closes the connection unanswered on the requests it is told to."""

    def __init__(self, drop: set[int]) -> None:
        self.drop = drop
        self.requests = 0
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.sock.getsockname()[1]}/api/"

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            reader = conn.makefile("rb")
            with conn, reader:  # both closed: the socket closes only when its file is closed too
                while True:
                    head = b""
                    while not head.endswith(b"\r\n\r\n"):
                        chunk = reader.readline()
                        if not chunk:
                            break
                        head += chunk
                    if not head:
                        break
                    length = next((int(line.split(b":")[1]) for line in head.split(b"\r\n")
                                   if line.lower().startswith(b"content-length")), 0)
                    reader.read(length)
                    self.requests += 1
                    if self.requests in self.drop:
                        break  # closed without an answer: the client sees the connection go
                    body = json.dumps({"ok": True, "channel": "C_R", "ts": f"{self.requests}.0"}).encode()
                    conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json; charset=utf-8\r\n"
                                 b"Content-Length: " + str(len(body)).encode() + b"\r\n\r\n" + body)

    def close(self) -> None:
        self.sock.close()


def test_a_dropped_connection_is_retried_by_the_connection_handler() -> None:
    server = DroppingServer(drop={2})
    try:
        kept = KeepAliveClient(token=TOKEN, base_url=server.url,
                               retry_handlers=[ConnectionErrorRetryHandler(max_retry_count=2)])
        assert kept.chat_postMessage(channel="C_R", text="a")["ts"] == "1.0"
        assert kept.chat_postMessage(channel="C_R", text="b")["ts"] == "3.0"  # request 2 dropped, sent again
        assert server.requests == 3
    finally:
        server.close()


def test_a_dropped_connection_without_a_handler_raises_as_slack_sdk() -> None:
    server = DroppingServer(drop={1, 2})
    try:
        plain = WebClient(token=TOKEN, base_url=server.url, retry_handlers=[])
        kept = KeepAliveClient(token=TOKEN, base_url=server.url, retry_handlers=[])
        raised = []
        for client in (plain, kept):
            with pytest.raises(Exception) as error:
                client.chat_postMessage(channel="C_R", text="a")
            raised.append(error.value)
        assert server.requests == 2  # each sent once, neither repeated
        assert all(isinstance(e, OSError) or "Remote" in type(e).__name__ for e in raised)
    finally:
        server.close()


@pytest.mark.parametrize("content_type", [
    "application/json; charset=utf-8", "application/json", "Application/JSON;Charset=\"UTF-8\"", "text/plain",
    "application/json; charset=iso-8859-1", "", "nonsense", "application/gzip",
])
def test_response_content_type_is_read_as_the_email_package_reads_it(content_type: str) -> None:
    from email.message import Message

    from bot.adapters.slack.keepalive import response_headers

    headers = Message()
    headers["Content-Type"] = content_type
    headers["X-Slack-Req-Id"] = "one"
    headers["Vary"] = "Accept-Encoding"
    headers["vary"] = "Origin"  # a repeated name: the first value, as dict(headers) gives it
    client = KeepAliveClient(token=TOKEN)
    expected = (headers.get_content_type(), headers.get_content_charset())
    assert client._content_type(headers) == expected
    assert client._content_type(headers) == expected  # the kept reading
    assert response_headers(headers) == dict(headers)
    assert list(response_headers(headers)) == list(dict(headers))
