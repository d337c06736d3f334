"""Issue 13, Teams: anonymous mode only on loopback and never through a proxy; alg:none tokens are 401 (real HTTP)."""

from __future__ import annotations

import argparse
import base64
import io
import json
import urllib.error
import urllib.request

import pytest

from bot.adapters.teams.app import build_teams_app
from bot.adapters.teams.settings import TeamsCredentials, TeamsSettings
from bot.wiring import Runtime
from tests.teams.teams_driver import TeamsServer

ACTIVITY = json.dumps({"type": "message", "text": "x", "serviceUrl": "http://127.0.0.1:9/",
                       "from": {"id": "29:x"}, "conversation": {"id": "a:1"}, "channelId": "msteams"}).encode()


def _post(url: str, headers: dict[str, str]) -> int:
    request = urllib.request.Request(url + "/api/messages", data=ACTIVITY, method="POST",
                                     headers={"Content-Type": "application/json", **headers})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return int(response.status)
    except urllib.error.HTTPError as refused:
        return int(refused.code)


def _b64(value: dict[str, object]) -> str:
    return base64.urlsafe_b64encode(json.dumps(value).encode()).rstrip(b"=").decode()


@pytest.mark.parametrize("header", [{"X-Forwarded-For": "203.0.113.7"}, {"Forwarded": "for=203.0.113.7"},
                                    {"X-Real-IP": "203.0.113.7"}])
def test_anonymous_mode_refuses_forwarded_requests(runtime: Runtime, header: dict[str, str]) -> None:
    server = TeamsServer(build_teams_app(runtime, TeamsSettings(), TeamsCredentials()).web_app()).start()
    try:
        assert _post(server.url, header) == 403  # a local reverse proxy makes every caller look like loopback
    finally:
        server.stop()
    assert runtime.triage.queries.list(None) == []


def test_with_credentials_an_alg_none_token_is_401_not_500(runtime: Runtime) -> None:
    credentials = TeamsCredentials(app_id="00000000-0000-0000-0000-000000000001", app_password="secret",
                                   tenant_id="00000000-0000-0000-0000-000000000002")
    server = TeamsServer(build_teams_app(runtime, TeamsSettings(), credentials).web_app()).start()
    claims = {"aud": "00000000-0000-0000-0000-000000000001", "iss": "https://api.botframework.com",
              "appid": "00000000-0000-0000-0000-000000000001", "exp": 4102444800}
    forged = f"{_b64({'alg': 'none', 'typ': 'JWT'})}.{_b64(claims)}."
    try:
        assert _post(server.url, {"Authorization": f"Bearer {forged}"}) == 401
        assert _post(server.url, {"Authorization": f"Bearer {forged}x"}) == 401
    finally:
        server.stop()
    assert runtime.triage.queries.list(None) == []


@pytest.mark.parametrize("host", ["0.0.0.0", "10.0.0.5", "::"])  # noqa: S104 - what is refused
def test_anonymous_mode_does_not_start_off_loopback(runtime: Runtime, monkeypatch: pytest.MonkeyPatch,
                                                    host: str) -> None:
    from bot.adapters.teams.cli import teams

    for name in ("TEAMS_APP_ID", "TEAMS_APP_PASSWORD", "TEAMS_TENANT_ID"):
        monkeypatch.delenv(name, raising=False)
    out = io.StringIO()
    assert teams(runtime, argparse.Namespace(port=0, host=host), out) == 2
    assert "匿名モード" in out.getvalue() and "--host 127.0.0.1" in out.getvalue()
