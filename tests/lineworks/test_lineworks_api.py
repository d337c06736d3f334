"""Tokens and Bot API calls against the local LINE WORKS-compatible server."""

from __future__ import annotations

import threading
from pathlib import Path

import jwt
import pytest
from pydantic import SecretStr

from bot.adapters.lineworks.auth import RENEW_BEFORE, AuthError, TokenProvider
from bot.adapters.lineworks.client import Failed, LineWorksClient, RetryLater, Sent, backoff
from bot.adapters.lineworks.settings import LineWorksCredentials
from bot.adapters.lineworks.target import Target
from tests.lineworks.conftest import CLIENT_ID, SERVICE_ACCOUNT, Clock
from tests.lineworks.fake_lineworks import FakeLineWorks

TEXT = {"type": "text", "text": "テスト送信"}


def test_a_signed_assertion_buys_a_token_that_is_cached(fake: FakeLineWorks, tokens: TokenProvider,
                                                        rsa_pair: tuple[str, str], clock: Clock) -> None:
    first = tokens.token()
    assert tokens.token() == first and fake.grants == ["jwt"]  # cached, one request only
    form = next(c.body for c in fake.calls if c.path.endswith("/token"))
    claims = jwt.decode(form["assertion"], rsa_pair[1], algorithms=["RS256"])
    assert claims["iss"] == CLIENT_ID and claims["sub"] == SERVICE_ACCOUNT
    assert claims["iat"] == int(clock.now) and claims["exp"] - claims["iat"] == 3600
    assert jwt.get_unverified_header(form["assertion"])["alg"] == "RS256"
    assert form["grant_type"] == "urn:ietf:params:oauth:grant-type:jwt-bearer" and form["scope"] == "bot user.read"


def test_tokens_are_renewed_before_they_expire(fake: FakeLineWorks, tokens: TokenProvider, clock: Clock) -> None:
    first = tokens.token()
    clock.advance(86400 - RENEW_BEFORE - 1)
    assert tokens.token() == first  # still more than five minutes left
    clock.advance(2)
    second = tokens.token()
    assert second != first and fake.grants == ["jwt", "refresh_token"]
    refresh_form = [c.body for c in fake.calls if c.path.endswith("/token")][-1]
    assert refresh_form["refresh_token"] == "refresh-1"


def test_a_refused_refresh_token_falls_back_to_a_new_assertion(fake: FakeLineWorks, tokens: TokenProvider,
                                                              clock: Clock) -> None:
    tokens.token()
    fake.refuse_refresh = True
    clock.advance(86400)
    tokens.token()
    assert fake.grants == ["jwt", "jwt"]


def test_token_errors_are_typed(fake: FakeLineWorks, credentials: LineWorksCredentials, clock: Clock) -> None:
    wrong = credentials.model_copy(update={"client_secret": SecretStr("wrong")})
    with pytest.raises(AuthError) as caught:
        TokenProvider(wrong, clock=clock).token()
    assert caught.value.code == "invalid_client" and not caught.value.transient
    unreachable = credentials.model_copy(update={"auth_url": "http://127.0.0.1:9"})
    with pytest.raises(AuthError) as caught:
        TokenProvider(unreachable, clock=clock, timeout=2).token()
    assert caught.value.transient
    with pytest.raises(ValueError, match="LW_SERVICE_ACCOUNT"):
        TokenProvider(credentials.model_copy(update={"service_account": None}))


def test_concurrent_callers_share_one_token_request(fake: FakeLineWorks, tokens: TokenProvider) -> None:
    seen: list[str] = []
    threads = [threading.Thread(target=lambda: seen.append(tokens.token())) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(set(seen)) == 1 and fake.grants == ["jwt"]


def test_send_to_a_room_and_to_a_user(fake: FakeLineWorks, client: LineWorksClient) -> None:
    assert client.send(Target.channel("room-1"), TEXT) == Sent(201)
    assert client.send(Target.user("user@example.jp"), TEXT) == Sent(201)
    assert [(p.kind, p.target) for p in fake.posted] == [("channel", "room-1"), ("user", "user@example.jp")]
    assert [c.path for c in fake.sends()] == ["/v1.0/bots/2000001/channels/room-1/messages",
                                              "/v1.0/bots/2000001/users/user%40example.jp/messages"]
    assert all(c.headers["Authorization"].startswith("Bearer access-") for c in fake.sends())


def test_a_refused_token_is_renewed_once(fake: FakeLineWorks, client: LineWorksClient) -> None:
    assert client.send(Target.channel("room-1"), TEXT) == Sent(201)
    fake.revoke_tokens()  # as when the token expired early or was revoked
    assert client.send(Target.channel("room-1"), TEXT) == Sent(201)
    assert fake.grants == ["jwt", "refresh_token"] and len(fake.posted) == 2
    assert [c.status for c in fake.sends()] == [201, 401, 201]


def test_a_second_refusal_is_a_failure_not_a_loop(fake: FakeLineWorks, client: LineWorksClient) -> None:
    fake.fail_next(403, "UNAUTHORIZED")  # LINE WORKS' own samples treat 403 UNAUTHORIZED as an expired token
    fake.fail_next(401, "UNAUTHORIZED")
    result = client.send(Target.channel("room-1"), TEXT)
    assert isinstance(result, Failed) and result.status == 401 and result.code == "UNAUTHORIZED"
    assert len(fake.sends()) == 2 and fake.posted == []


def test_rate_limits_come_back_as_retry_later(fake: FakeLineWorks, client: LineWorksClient) -> None:
    fake.rate_limit(Retry_After="3")
    assert client.send(Target.channel("room-1"), TEXT) == RetryLater(3.0, "rate_limited", 429)
    fake.rate_limit(rateLimit_reset="17", rateLimit_remaining="0", rateLimit_limit="240")
    assert client.send(Target.channel("room-1"), TEXT) == RetryLater(17.0, "rate_limited", 429)
    fake.rate_limit()
    assert client.send(Target.channel("room-1"), TEXT, attempt=3) == RetryLater(8.0, "rate_limited", 429)
    assert client.send(Target.channel("room-1"), TEXT) == Sent(201)  # nothing was posted before
    assert len(fake.posted) == 1
    assert [backoff(n) for n in (0, 1, 5, 6, 50)] == [1.0, 2.0, 32.0, 60.0, 60.0]


def test_server_errors_and_outages_are_transient(fake: FakeLineWorks, client: LineWorksClient,
                                                 credentials: LineWorksCredentials, tokens: TokenProvider) -> None:
    fake.fail_next(503, "SERVICE_UNAVAILABLE")
    assert client.send(Target.channel("r"), TEXT) == RetryLater(1.0, "server_error", 503)
    down = LineWorksClient("http://127.0.0.1:9/v1.0", "2000001", tokens, timeout=2)
    assert down.send(Target.channel("r"), TEXT, attempt=2) == RetryLater(4.0, "network", 0)


def test_requests_the_api_refuses_fail_with_its_code(fake: FakeLineWorks, client: LineWorksClient) -> None:
    result = client.send(Target.channel("r"), {"type": "text", "text": "x" * 2001})
    assert isinstance(result, Failed) and result.status == 400 and result.code == "INVALID_PARAMETER"
    assert "2001 characters" in result.description
    fake.fail_next(403, "FORBIDDEN", "bot is not a member of the room")
    assert client.send(Target.channel("r"), TEXT) == Failed(403, "FORBIDDEN", "bot is not a member of the room")


def test_credentials_that_never_work_fail_the_send(fake: FakeLineWorks, credentials: LineWorksCredentials,
                                                   clock: Clock) -> None:
    bad = TokenProvider(credentials.model_copy(update={"client_secret": SecretStr("wrong")}), clock=clock)
    result = LineWorksClient(fake.api_url, "2000001", bad).send(Target.channel("r"), TEXT)
    assert result == Failed(401, "invalid_client", "client authentication failed")


def test_display_names_come_from_the_directory(fake: FakeLineWorks, client: LineWorksClient) -> None:
    fake.users["u1"] = {"userId": "u1", "userName": {"lastName": "旭川", "firstName": "花子"}}
    assert client.display_name("u1") == "旭川 花子"
    assert client.display_name("nobody") is None
    fake.revoke_tokens()
    assert client.display_name("u1") == "旭川 花子"  # renewed once, like sends


def test_private_key_problems_stop_start_up(credentials: LineWorksCredentials, tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="LW_PRIVATE_KEY_FILE"):
        TokenProvider(credentials.model_copy(update={"private_key_file": tmp_path / "none.key"}))
