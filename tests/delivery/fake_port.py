"""A fake chat port: records every call, answers with ids, can fail or rate-limit on demand (no platform)."""

from __future__ import annotations

import itertools
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from bot.delivery.content import Attachment, Content, DeliveryError, Marker, Place, Posted
from bot.identity import split


def dm_channel(channel: str) -> str:
    """Where a post to `channel` lands: a user id (U…, or namespaced like "slack:U…") means their DM "D-<user>"."""
    is_user = channel.startswith("U") or split(channel)[0] is not None
    return f"D-{channel}" if is_user else channel


@dataclass
class Sent:
    """One call the port received."""

    method: str
    place: Place | None
    content: Any
    marker: Marker | None = None
    posted: Posted | None = None
    user: str | None = None


@dataclass
class FakePort:
    """A ChatPort double; a user id as channel (U…, or namespaced) posts into "D-<user>"."""

    platform: str = "fake"
    finds_posted: bool = True
    unreached: Mapping[str, str] = field(default_factory=dict)  # error code -> reason (ChatPort.unreached)
    calls: list[Sent] = field(default_factory=list)
    failures: dict[str, list[DeliveryError]] = field(default_factory=dict)
    _ids: itertools.count = field(default_factory=lambda: itertools.count(1))
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def fail(self, method: str, error: DeliveryError, times: int = 1) -> None:
        self.failures.setdefault(method, []).extend([error] * times)

    def _maybe_fail(self, method: str) -> None:
        queue = self.failures.get(method) or []
        if queue:
            raise queue.pop(0)

    def post(self, place: Place, content: Content, marker: Marker | None = None) -> Posted:
        with self._lock:
            self._maybe_fail("post")
            channel = dm_channel(place.channel)
            posted = Posted(channel, f"m{next(self._ids)}")
            self.calls.append(Sent("post", Place(channel, place.thread), content, marker, posted))
            return posted

    def update(self, posted: Posted, content: Content) -> None:
        with self._lock:
            self._maybe_fail("update")
            self.calls.append(Sent("update", Place(posted.channel), content, posted=posted))

    def post_ephemeral(self, place: Place, user: str, content: Content) -> None:
        with self._lock:
            self._maybe_fail("post_ephemeral")
            self.calls.append(Sent("ephemeral", place, content, user=user))

    def find_posted(self, place: Place, marker: Marker) -> Posted | None:
        with self._lock:
            for call in self.calls:
                if call.method == "post" and call.marker == marker and call.posted is not None:
                    return call.posted
            return None

    def upload(self, place: Place, files: Sequence[Attachment], comment: str) -> Posted:
        with self._lock:
            self._maybe_fail("upload")
            channel = dm_channel(place.channel)
            posted = Posted(channel, f"f{next(self._ids)}")
            self.calls.append(Sent("upload", Place(channel, place.thread), (tuple(files), comment), posted=posted))
            return posted

    def permalink(self, posted: Posted) -> str | None:
        return f"https://chat.example/{posted.channel}/{posted.id}"

    def posts(self, channel: str | None = None) -> list[Sent]:
        return [c for c in self.calls if c.method == "post" and (channel is None or c.place and
                                                                  c.place.channel == channel)]

    def of(self, method: str) -> list[Sent]:
        return [c for c in self.calls if c.method == method]
