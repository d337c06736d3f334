"""The callback endpoint over a real HTTP socket (waitress), and one whole round trip:
a signed 1:1 report is verified, stored by the injected handler, answered through the Bot API."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from typing import Any

import pytest
import requests

from bot.adapters.lineworks import postback as pb
from bot.adapters.lineworks.callbacks import CallbackEvent, PostbackPress, TextMessage
from bot.adapters.lineworks.client import LineWorksClient, Sent
from bot.adapters.lineworks.render import Renderer
from bot.adapters.lineworks.server import callback_app, make_server
from bot.adapters.lineworks.signature import sign
from bot.i18n import Catalog
from tests.lineworks.conftest import BOT_ID, BOT_SECRET
from tests.lineworks.fake_lineworks import FakeLineWorks

PATH = "/lineworks/callback"
USER = "c72af563-0f21-4736-11e4-045237113344"


class Inbox:
    """What the endpoint's handler must be: something that makes the event durable before returning."""

    def __init__(self) -> None:
        self.events: list[CallbackEvent] = []
        self.fail = False
        self.ready = threading.Condition()

    def __call__(self, event: CallbackEvent) -> None:
        if self.fail:
            raise RuntimeError("storage unavailable")
        with self.ready:
            self.events.append(event)
            self.ready.notify_all()


@pytest.fixture
def inbox() -> Inbox:
    return Inbox()


@pytest.fixture
def endpoint(inbox: Inbox) -> Iterator[str]:
    server = make_server(callback_app(inbox, bot_id=BOT_ID, bot_secret=BOT_SECRET, path=PATH, max_body=4096))
    stopping = threading.Event()

    def run() -> None:
        try:
            server.run()
        except (OSError, ValueError):  # closing the listening socket interrupts waitress' select(); expected only then
            if not stopping.is_set():
                raise

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.effective_port}"
    stopping.set()
    server.close()
    thread.join(timeout=5)


def post(url: str, data: dict[str, Any] | bytes, *, secret: str = BOT_SECRET, bot_id: str = BOT_ID,
         names: tuple[str, str] = ("X-WORKS-Signature", "X-WORKS-BotId")) -> requests.Response:
    raw = data if isinstance(data, bytes) else json.dumps(data, ensure_ascii=False).encode("utf-8")
    headers = {"Content-Type": "application/json; charset=UTF-8", names[0]: sign(raw, secret), names[1]: bot_id}
    return requests.post(url + PATH, data=raw, headers=headers, timeout=10)


def report(text: str, channel: str | None = None) -> dict[str, Any]:
    source: dict[str, Any] = {"userId": USER, "domainId": 40029600}
    if channel:
        source["channelId"] = channel
    return {"type": "message", "source": source, "issuedTime": "2026-12-05T01:02:03.456Z",
            "content": {"type": "text", "text": text}}


def test_a_signed_callback_is_handed_over_before_200(endpoint: str, inbox: Inbox) -> None:
    response = post(endpoint, report("なりすましアカウントがあります https://x.com/fake/status/1"))
    assert response.status_code == 200
    [event] = inbox.events  # stored before the answer was sent
    assert isinstance(event, TextMessage) and event.source.direct and event.text.startswith("なりすまし")
    lower = post(endpoint, report("炎上", channel="room-1"), names=("x-works-signature", "x-works-botid"))
    assert lower.status_code == 200 and len(inbox.events) == 2


@pytest.mark.parametrize(("kwargs", "status"), [({"secret": "wrong"}, 401), ({"bot_id": "999"}, 401)])
def test_bad_signatures_get_401_and_reach_nobody(endpoint: str, inbox: Inbox, kwargs: dict, status: int) -> None:
    assert post(endpoint, report("x"), **kwargs).status_code == status
    unsigned = requests.post(endpoint + PATH, data=b'{"type":"message"}', timeout=10)
    assert unsigned.status_code == 401
    assert inbox.events == []


def test_malformed_and_oversized_bodies(endpoint: str, inbox: Inbox) -> None:
    malformed = post(endpoint, {"type": "message", "source": {"userId": USER}, "issuedTime": "?"})
    assert malformed.status_code == 400 and malformed.json()["reason"].startswith("issuedTime is not a date-time")
    assert post(endpoint, report("あ" * 2000)).status_code == 413  # over this endpoint's 4 KB
    assert requests.get(endpoint + PATH, timeout=10).status_code == 405
    assert requests.post(endpoint + "/other", data=b"{}", timeout=10).status_code == 404
    assert requests.get(endpoint + "/healthz", timeout=10).status_code == 200
    assert inbox.events == []


def test_a_handler_failure_is_500_not_200(endpoint: str, inbox: Inbox) -> None:
    inbox.fail = True  # LINE WORKS will not resend: the answer must not claim the event was kept
    response = post(endpoint, report("デマが拡散しています"))
    assert response.status_code == 500 and inbox.events == []


def test_report_step_and_press_round_trip(endpoint: str, inbox: Inbox, fake: FakeLineWorks,
                                          client: LineWorksClient) -> None:
    """The shape the delivery port will fill: callback in, content rendered, sent to the reporter's 1:1."""
    render = Renderer(Catalog.load("ja"), ["flaming", "impersonation", "misinformation", "leak",
                                           "account_takeover"])
    assert post(endpoint, report("市の公式アカウントの投稿が炎上しています")).status_code == 200
    [event] = inbox.events
    assert isinstance(event, TextMessage)
    for content in render.intro(["INC-0001 を受け付けました（種別: 炎上）。"], 1, "flaming"):
        assert client.send(event.source.reply_to, content) == Sent(201)
    [posted] = fake.posted
    assert (posted.kind, posted.target) == ("user", USER) and posted.content["type"] == "text"
    # The member taps "なりすまし" in the quick reply: LINE WORKS posts the button's data back.
    tapped = next(i["action"] for i in posted.content["quickReply"]["items"]
                  if i["action"]["label"] == "なりすまし")
    back = {"type": "postback", "source": {"userId": USER, "domainId": 40029600},
            "issuedTime": "2026-12-05T01:02:09.000Z", "data": tapped["data"]}
    assert post(endpoint, back).status_code == 200
    press = inbox.events[-1]
    assert isinstance(press, PostbackPress)
    assert (press.data.action, press.data.incident_id, press.data.kind) == (pb.KIND, 1, "impersonation")
    assert press.source.reply_to.encode() == f"user:{USER}"


def test_server_leaves_a_running_answer_to_its_task_thread(inbox: Inbox) -> None:
    """LINE WORKS' callback server uses the same waitress channel as Slack's serve (no busy main loop)."""
    from bot.adapters.waitress_channel import TaskFlushedChannel

    server = make_server(callback_app(inbox, bot_id=BOT_ID, bot_secret=BOT_SECRET, path=PATH, max_body=4096))
    try:
        assert server.channel_class is TaskFlushedChannel
    finally:
        server.close()


def test_health_probe_says_when_the_database_does_not_answer(inbox: Inbox, tmp_path: Any) -> None:
    """/healthz asks the database, as on Slack and Teams: a load balancer must not route callbacks to an instance
    that cannot store them (LINE WORKS does not resend)."""
    from sqlalchemy import create_engine

    def probe(engine: Any) -> int:
        app = callback_app(inbox, bot_id=BOT_ID, bot_secret=BOT_SECRET, path=PATH, engine=engine)
        seen: list[str] = []
        app({"PATH_INFO": "/healthz", "REQUEST_METHOD": "GET"}, lambda status, headers: seen.append(status))
        return int(seen[0].split()[0])

    assert probe(create_engine(f"sqlite:///{tmp_path / 'ok.db'}")) == 200
    assert probe(create_engine(f"sqlite:///{tmp_path / 'missing' / 'folder' / 'bot.db'}")) == 503


def test_the_adapter_serves_its_database_probe(lw: Any) -> None:
    assert requests.get(lw.url.rsplit("/lineworks", 1)[0] + "/healthz", timeout=10).status_code == 200
