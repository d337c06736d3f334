"""Bot API calls: send a message to a room or a user, look a user up; outcomes are typed, never raised.

`send` answers `Sent`, `RetryLater` (429, 5xx, network: the caller's pacing decides when) or `Failed`
(the request itself is wrong, or the bot may not post there). A refused access token (401, or 403 with
code UNAUTHORIZED as LINE WORKS' own samples handle it) is renewed and the call repeated once.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import requests

from bot.adapters.lineworks.auth import AuthError, TokenProvider
from bot.adapters.lineworks.target import Target

log = logging.getLogger(__name__)

TIMEOUT = 10.0
MAX_BACKOFF = 60.0  # the rate-limit window is one minute


@dataclass(frozen=True)
class Sent:
    """LINE WORKS accepted the message (HTTP 201; the API returns no message id)."""

    status: int


@dataclass(frozen=True)
class RetryLater:
    """Not sent now; try again after `after` seconds (from Retry-After / rateLimit-reset, or backoff)."""

    after: float
    reason: str  # "rate_limited", "server_error", "network", "auth_unavailable"
    status: int = 0


@dataclass(frozen=True)
class Failed:
    """Not sent and retrying will not help: `code` / `description` are LINE WORKS' own."""

    status: int
    code: str
    description: str = ""


SendResult = Sent | RetryLater | Failed


def backoff(attempt: int) -> float:
    """Seconds to wait before attempt `attempt` + 1 when the server gave no hint (1, 2, 4 … 60)."""
    return min(MAX_BACKOFF, float(2 ** max(0, min(attempt, 6))))


class LineWorksClient:
    """The Bot API calls the adapter needs, for one bot."""

    def __init__(self, api_url: str, bot_id: str, tokens: TokenProvider, *,
                 session: requests.Session | None = None, timeout: float = TIMEOUT) -> None:
        self._base = api_url.rstrip("/")
        self._bot_id = bot_id
        self._tokens = tokens
        self._session = session or requests.Session()
        self._timeout = timeout

    def send(self, target: Target, content: dict[str, Any], *, attempt: int = 0) -> SendResult:
        """Post one message ({"type": …}) to a room or a user's 1:1 chat."""
        url = f"{self._base}/bots/{quote(self._bot_id, safe='')}/{target.path}"
        for renewed in (False, True):
            try:
                token = self._tokens.token()
            except AuthError as exc:
                if exc.transient:
                    return RetryLater(backoff(attempt), "auth_unavailable")
                return Failed(401, exc.code, exc.description)
            try:
                response = self._session.post(url, json={"content": content}, timeout=self._timeout,
                                              headers={"Authorization": f"Bearer {token}"})
            except requests.RequestException as exc:
                log.warning("lineworks send to %s failed: %s", target.kind, type(exc).__name__)
                return RetryLater(backoff(attempt), "network")
            if _token_refused(response) and not renewed:
                self._tokens.invalidate(token)
                continue
            return _result(response, attempt)
        raise AssertionError("unreachable")  # pragma: no cover - the loop always returns

    def upload(self, file_name: str, data: bytes, content_type: str = "image/png") -> str:
        """Upload a file for the bot's messages (POST /bots/{botId}/attachments, then the bytes to the
        upload URL it gives, as multipart `Filedata`); returns the file id. Raises UploadError."""
        url = f"{self._base}/bots/{quote(self._bot_id, safe='')}/attachments"
        for renewed in (False, True):
            try:
                token = self._tokens.token()
                response = self._session.post(url, json={"fileName": file_name}, timeout=self._timeout,
                                              headers={"Authorization": f"Bearer {token}"})
            except (AuthError, requests.RequestException) as exc:
                raise UploadError(type(exc).__name__, backoff(0)) from None
            if _token_refused(response) and not renewed:
                self._tokens.invalidate(token)
                continue
            break
        body = _json(response)
        if response.status_code != 200 or not body.get("uploadUrl") or not body.get("fileId"):
            raise UploadError(str(body.get("code") or response.status_code), _upload_wait(response))
        try:
            stored = self._session.post(str(body["uploadUrl"]), files={"Filedata": (file_name, data, content_type)},
                                        headers={"Authorization": f"Bearer {token}"}, timeout=self._timeout)
        except requests.RequestException as exc:
            raise UploadError(type(exc).__name__, backoff(0)) from None
        if not 200 <= stored.status_code < 300:
            raise UploadError(str(_json(stored).get("code") or stored.status_code), _upload_wait(stored))
        return str(body["fileId"])

    def _lookup(self, user_id: str) -> requests.Response | None:
        """The directory's answer for a member (needs user.read); None when it could not be asked."""
        url = f"{self._base}/users/{quote(user_id, safe='')}"
        for renewed in (False, True):
            try:
                token = self._tokens.token()
                response = self._session.get(url, timeout=self._timeout,
                                             headers={"Authorization": f"Bearer {token}"})
            except (AuthError, requests.RequestException):
                return None
            if _token_refused(response) and not renewed:
                self._tokens.invalidate(token)
                continue
            return response
        return None

    def user(self, user_id: str) -> dict[str, Any] | None:
        """A member's directory entry (needs user.read), or None when it cannot be read now."""
        response = self._lookup(user_id)
        return _json(response) if response is not None and response.status_code == 200 else None

    def member_known(self, user_id: str) -> bool | None:
        """Whether the directory has this member: False only when it says there is none (404), None when it
        cannot tell (no user.read scope, unreachable)."""
        response = self._lookup(user_id)
        if response is None or response.status_code not in (200, 404):
            return None
        return response.status_code == 200

    def display_name(self, user_id: str) -> str | None:
        """A member's name as people read it ("姓 名"), or None."""
        entry = self.user(user_id) or {}
        name = entry.get("userName")
        if isinstance(name, dict):
            parts = [str(name.get(k) or "").strip() for k in ("lastName", "firstName")]
            joined = " ".join(p for p in parts if p)
            return joined or None
        return None


class UploadError(Exception):
    """An upload failed; `retry_after` is set when trying again later may help (429, 5xx, network)."""

    def __init__(self, code: str, retry_after: float | None) -> None:
        super().__init__(code)
        self.code = code
        self.retry_after = retry_after


def _upload_wait(response: requests.Response) -> float | None:
    if response.status_code == 429 or response.status_code >= 500:
        hint = _wait_hint(response)
        return hint if hint is not None else backoff(0)
    return None


def _token_refused(response: requests.Response) -> bool:
    if response.status_code == 401:
        return True
    return response.status_code == 403 and _json(response).get("code") == "UNAUTHORIZED"


def _result(response: requests.Response, attempt: int) -> SendResult:
    status = response.status_code
    if 200 <= status < 300:
        return Sent(status)
    if status == 429 or status >= 500:
        hint = _wait_hint(response)
        reason = "rate_limited" if status == 429 else "server_error"
        return RetryLater(hint if hint is not None else backoff(attempt), reason, status)
    body = _json(response)
    return Failed(status, str(body.get("code") or status), str(body.get("description") or "")[:300])


def _wait_hint(response: requests.Response) -> float | None:
    """Retry-After (seconds), else LINE WORKS' rateLimit-reset (seconds left in the window)."""
    for name in ("Retry-After", "rateLimit-reset"):
        value = response.headers.get(name)  # requests' headers ignore case
        if value is None:
            continue
        try:
            seconds = float(value)
        except ValueError:
            continue
        if seconds >= 0:
            return min(seconds, MAX_BACKOFF * 5)
    return None


def _json(response: requests.Response) -> dict[str, Any]:
    try:
        body = response.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


__all__ = ["LineWorksClient", "Sent", "RetryLater", "Failed", "SendResult", "UploadError", "backoff"]
