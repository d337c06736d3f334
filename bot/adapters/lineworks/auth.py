"""Service-account (JWT) access tokens for the Bot API, cached and renewed before they expire.

The app signs a JWT (RS256; iss = Client ID, sub = Service Account, iat/exp at most an hour apart) with
its private key and exchanges it at `{auth_url}/token` (grant_type jwt-bearer). Tokens live 1 or 24
hours; a refresh token (90 days) renews them without a new assertion, and a new assertion is the
fallback when the refresh is refused.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

import jwt
import requests

from bot.adapters.lineworks.settings import LineWorksCredentials

log = logging.getLogger(__name__)

JWT_BEARER = "urn:ietf:params:oauth:grant-type:jwt-bearer"
ASSERTION_SECONDS = 3600  # exp - iat; the service accepts at most an hour
RENEW_BEFORE = 300  # renew when less than five minutes are left, so no request carries a dying token
TIMEOUT = 10.0


class AuthError(Exception):
    """No access token could be obtained; `code` is the OAuth error (or HTTP status), `transient` says
    whether trying again later may help (network, 5xx, 429)."""

    def __init__(self, code: str, description: str, *, transient: bool) -> None:
        super().__init__(f"{code}: {description}")
        self.code = code
        self.description = description
        self.transient = transient


@dataclass(frozen=True)
class Token:
    """An access token and when it stops being used (our clock)."""

    value: str
    renew_at: float
    refresh_token: str | None


class TokenProvider:
    """Hands out a valid access token; thread-safe, one request at a time to the token endpoint."""

    def __init__(self, credentials: LineWorksCredentials, *, session: requests.Session | None = None,
                 clock: Callable[[], float] = time.time, timeout: float = TIMEOUT) -> None:
        missing = [name for name in credentials.missing() if name != "LW_BOT_SECRET"]
        if missing:
            raise ValueError("LINE WORKS credentials are incomplete: " + ", ".join(missing))
        self._credentials = credentials
        self._private_key = credentials.private_key()  # read once at start-up, so a bad file fails early
        self._session = session or requests.Session()
        self._clock = clock
        self._timeout = timeout
        self._lock = threading.Lock()
        self._token: Token | None = None

    @property
    def url(self) -> str:
        return self._credentials.auth_url + "/token"

    def token(self) -> str:
        """A token with at least RENEW_BEFORE seconds left (renewed here when needed)."""
        with self._lock:
            current = self._token
            if current is not None and self._clock() < current.renew_at:
                return current.value
            self._token = self._renew(current)
            return self._token.value

    def invalidate(self, value: str) -> None:
        """Forget `value` after the API refused it (401); another thread's newer token is kept."""
        with self._lock:
            if self._token is not None and self._token.value == value:
                # Keep the refresh token: a refused access token says nothing about it.
                self._token = Token("", 0.0, self._token.refresh_token)

    def _renew(self, current: Token | None) -> Token:
        if current is not None and current.refresh_token:
            try:
                return self._request({"grant_type": "refresh_token", "refresh_token": current.refresh_token},
                                     current.refresh_token)
            except AuthError as exc:
                if exc.transient:
                    raise
                log.info("lineworks refresh token refused (%s); signing a new assertion", exc.code)
        return self._request({"grant_type": JWT_BEARER, "assertion": self._assertion(),
                              "scope": self._credentials.scope}, None)

    def _assertion(self) -> str:
        now = int(self._clock())
        claims = {"iss": self._credentials.client_id, "sub": self._credentials.service_account,
                  "iat": now, "exp": now + ASSERTION_SECONDS}
        return jwt.encode(claims, self._private_key, algorithm="RS256", headers={"typ": "JWT"})

    def _request(self, form: dict[str, str], old_refresh: str | None) -> Token:
        secret = self._credentials.client_secret
        form = {**form, "client_id": str(self._credentials.client_id),
                "client_secret": secret.get_secret_value() if secret else ""}
        started = self._clock()
        try:
            response = self._session.post(self.url, data=form, timeout=self._timeout)
        except requests.RequestException as exc:
            raise AuthError("network", type(exc).__name__, transient=True) from None
        body = _json(response)
        if response.status_code != 200 or not isinstance(body.get("access_token"), str):
            code = str(body.get("error") or body.get("code") or response.status_code)
            description = str(body.get("error_description") or body.get("description") or "")[:200]
            transient = response.status_code >= 500 or response.status_code == 429
            raise AuthError(code, description, transient=transient)
        try:
            lifetime = int(body.get("expires_in", 3600))  # LINE WORKS sends it as a string
        except (TypeError, ValueError):
            lifetime = 3600
        refresh = body.get("refresh_token")
        return Token(body["access_token"], started + max(lifetime - RENEW_BEFORE, 0),
                     refresh if isinstance(refresh, str) and refresh else old_refresh)


def _json(response: requests.Response) -> dict:
    try:
        body = response.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


__all__ = ["TokenProvider", "AuthError", "Token", "JWT_BEARER", "ASSERTION_SECONDS", "RENEW_BEFORE"]
