"""A slash command's response_url that cannot be reached (a network failure, a host the standard library refuses
to parse) answers through the fallback, never fails the request (CI fuzz, session 18: HTTP 500 on 「help」)."""

from __future__ import annotations

from typing import Any

import pytest

from bot.adapters.slack.render import Rendered
from bot.adapters.slack.replies import Replies


@pytest.mark.parametrize("url", ["http://127.0.0.1:9/hooks/closed", "https://ex\u2100ample.com/hooks/1"])
def test_an_unreachable_response_url_falls_back(url: str) -> None:
    replies = Replies.__new__(Replies)  # respond() uses nothing of the instance but the fallback it is given
    sent: list[Any] = []
    reply = replies.respond(url, sent.append)
    message = Rendered("ヘルプ", [])
    reply(message)
    assert sent == [message]
