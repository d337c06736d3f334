"""Fixtures for the LINE WORKS adapter: a test RSA key, the local API server, credentials and a clock."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from bot.adapters.lineworks.auth import TokenProvider
from bot.adapters.lineworks.client import LineWorksClient
from bot.adapters.lineworks.settings import LineWorksCredentials
from bot.clock import JST, FixedClock
from bot.wiring import Runtime, build_runtime
from tests.lineworks.fake_lineworks import FakeLineWorks

BOT_ID = "2000001"
BOT_SECRET = "bot-secret-for-tests"
CLIENT_ID = "client-id-for-tests"
CLIENT_SECRET = "client-secret-for-tests"
SERVICE_ACCOUNT = "abcde.serviceaccount@example.jp"


class Clock:
    """A wall clock the test moves by hand (starting at the real time: the API checks iat and exp)."""

    def __init__(self, start: float | None = None) -> None:
        self.now = time.time() if start is None else start

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture(scope="session")
def rsa_pair() -> tuple[str, str]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption()).decode()
    public = key.public_key().public_bytes(serialization.Encoding.PEM,
                                           serialization.PublicFormat.SubjectPublicKeyInfo).decode()
    return private, public


@pytest.fixture
def key_file(tmp_path: Path, rsa_pair: tuple[str, str]) -> Path:
    path = tmp_path / "private_20260101.key"
    path.write_text(rsa_pair[0], encoding="utf-8")
    return path


@pytest.fixture
def fake(rsa_pair: tuple[str, str], clock: Clock) -> Iterator[FakeLineWorks]:
    server = FakeLineWorks(public_key=rsa_pair[1], client_id=CLIENT_ID, client_secret=CLIENT_SECRET,
                           service_account=SERVICE_ACCOUNT, bot_id=BOT_ID, clock=clock).start()
    yield server
    server.stop()


@pytest.fixture
def environ(fake: FakeLineWorks, key_file: Path) -> dict[str, str]:
    return {"LW_BOT_ID": BOT_ID, "LW_BOT_SECRET": BOT_SECRET, "LW_CLIENT_ID": CLIENT_ID,
            "LW_CLIENT_SECRET": CLIENT_SECRET, "LW_SERVICE_ACCOUNT": SERVICE_ACCOUNT,
            "LW_PRIVATE_KEY_FILE": str(key_file), "LW_API_URL": fake.api_url, "LW_AUTH_URL": fake.auth_url}


@pytest.fixture
def credentials(environ: dict[str, str]) -> LineWorksCredentials:
    return LineWorksCredentials.from_env(environ)


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def tokens(credentials: LineWorksCredentials, clock: Clock) -> TokenProvider:
    return TokenProvider(credentials, clock=clock)


@pytest.fixture
def client(credentials: LineWorksCredentials, tokens: TokenProvider) -> LineWorksClient:
    assert credentials.bot_id is not None
    return LineWorksClient(credentials.api_url, credentials.bot_id, tokens)


# -- a whole bot instance (tests/lineworks/harness.py) ------------------------------------------------------------
@pytest.fixture
def core_clock() -> FixedClock:
    """The core's clock: a Wednesday morning in Tokyo, inside office hours (the API's token clock is `clock`)."""
    return FixedClock(datetime(2026, 11, 18, 10, 0, tzinfo=JST))


@pytest.fixture
def lw_runtime(database_url: str, core_clock: FixedClock) -> Iterator[Callable[..., Runtime]]:
    """Runtimes on the test database with a lineworks: block (several share it, like restarted instances)."""
    from tests.conftest import make_settings
    from tests.lineworks.harness import SETTINGS

    made: list[Runtime] = []

    def factory(**overrides: Any) -> Runtime:
        runtime = build_runtime(make_settings(database_url, lineworks={**SETTINGS, **overrides}), clock=core_clock)
        made.append(runtime)
        return runtime

    yield factory
    for runtime in made:
        runtime.close()


@pytest.fixture
def lw_factory(lw_runtime: Callable[..., Runtime], fake: FakeLineWorks,
               credentials: LineWorksCredentials) -> Iterator[Callable[..., Any]]:
    """Start bot instances (stopped after the test)."""
    from tests.lineworks.harness import NAMES, start

    for user, (last, first) in NAMES.items():
        fake.add_user(user, last, first)
    envs: list[Any] = []

    def make(*, runtime: Runtime | None = None, hold: bool = False, **overrides: Any) -> Any:
        env = start(runtime or lw_runtime(**overrides), credentials, fake, hold=hold)
        envs.append(env)
        return env

    yield make
    for env in envs:
        if not env.stopping.is_set():
            env.stop()


@pytest.fixture
def lw(lw_factory: Callable[..., Any]) -> Any:
    """One bot instance."""
    return lw_factory()
