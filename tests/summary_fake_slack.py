"""The summary and audit tests' view of the one fake Slack Web API server (tests/slack/fake_slack.py): the same
server and record, with the fixed timestamps, file ids and permalinks those tests compare against."""

from __future__ import annotations

import itertools
import sys
from pathlib import Path
from typing import Any

SLACK_TESTS = Path(__file__).resolve().parent / "slack"
if str(SLACK_TESTS) not in sys.path:
    sys.path.insert(0, str(SLACK_TESTS))

from fake_slack import Call  # noqa: E402
from fake_slack import FakeSlack as WebApi  # noqa: E402

GONE = "C_GONE"  # a channel that no longer exists: permalinks fail with channel_not_found


class FakeSlack(WebApi):
    """tests/slack/fake_slack.FakeSlack with predictable ids (1700000000.000001…, F0001…) and permalinks for any
    message (the summary links threads the fake never saw posted)."""

    def __init__(self) -> None:
        super().__init__()
        self._posted = itertools.count(1)
        self._files = itertools.count(1)

    def _next_ts(self) -> str:
        return f"1700000000.{next(self._posted):06d}"

    def _m_chat_getPermalink(self, args: dict[str, Any]) -> dict[str, Any]:
        channel, ts = str(args.get("channel")), str(args.get("message_ts", ""))
        if channel == GONE:
            return {"ok": False, "error": "channel_not_found"}
        return {"ok": True, "channel": channel,
                "permalink": f"https://example.slack.com/archives/{channel}/p{ts.replace('.', '')}"}

    def _m_files_getUploadURLExternal(self, args: dict[str, Any]) -> dict[str, Any]:
        file_id = f"F{next(self._files):04d}"
        return {"ok": True, "upload_url": f"{self.url}/upload/{file_id}", "file_id": file_id}


__all__ = ["Call", "FakeSlack"]
