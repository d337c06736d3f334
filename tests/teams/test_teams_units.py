"""Small pieces of the Teams adapter and the shared presentation rules, without a server."""

from __future__ import annotations

import argparse
import asyncio
import base64
import io
import socket
import threading
import urllib.request
from typing import Any

import pytest
from pydantic import ValidationError

from bot.adapters.teams.app import build_teams_app, sdk_configuration, teams_settings
from bot.adapters.teams.cards import CardRenderer
from bot.adapters.teams.connector import Target, _path, deep_link, delivery_error, is_personal, split_conversation
from bot.adapters.teams.request_checks import loopback as _loopback
from bot.adapters.teams.settings import TeamsCredentials, TeamsSettings
from bot.adapters.teams.summary_post import chart_data_uri, teams_link
from bot.adapters.teams.text import ZWSP, md_escape, message_text
from bot.delivery.assembly import notification_channel
from bot.delivery.ledger import notification_purposes, step_purpose
from bot.ports import InputSpec, StepView
from bot.presenting import (
    StepRef,
    answered,
    failure_text,
    field_errors,
    is_help,
)
from bot.triage.access import PermissionDenied
from bot.triage.core import IncidentNotFound, InvalidRequest
from bot.triage.summary_model import AttentionItem
from bot.wiring import Runtime


# -- text ----------------------------------------------------------------------------------------------------
def test_markdown_and_mentions_in_user_text_are_inert() -> None:
    escaped = md_escape("**b** _i_ [a](b) `c` # h ~s~ <at>PR</at> &amp;\n- item\n+ item\n1. one\n> quote")
    assert "\\*\\*b\\*\\*" in escaped and "\\_i\\_" in escaped and "\\[a\\]\\(b\\)" in escaped
    assert "\\`c\\`" in escaped and "\\# h" in escaped and "\\~s\\~" in escaped and "\\&amp;" in escaped
    assert "<at>" not in escaped and f"<{ZWSP}at" in escaped
    assert "\n\\- item" in escaped and "\n\\+ item" in escaped and "\n1\\. one" in escaped
    assert "\n\\> quote" in escaped
    assert md_escape(None) == "" and md_escape("") == ""


def test_urls_stay_linkable_but_cannot_form_markup() -> None:
    assert md_escape("https://x.com/a_b/status/1?x=(1)") == "https://x.com/a_b/status/1?x=(1)"
    assert md_escape("(https://x.com/a_b)") == "\\(https://x.com/a_b\\)"
    assert md_escape("https://e.x/*a*[b]") == "https://e.x/\\*a\\*\\[b\\]"


def test_message_text_drops_the_bot_mention_and_html() -> None:
    text = "<at>incident-bot</at> 炎上です&nbsp;<at>山田 花子</at> さん<br>2行目 &lt;b&gt;"
    assert message_text(text, ("incident-bot",)) == "炎上です @山田 花子 さん\n2行目 <b>"
    assert message_text(None) == ""


# -- places and conversation ids ------------------------------------------------------------------------------
def test_conversations_split_and_long_ids_reach_the_right_conversation() -> None:
    assert split_conversation("19:c@thread.tacv2;messageid=42") == ("19:c@thread.tacv2", "42")
    assert split_conversation("a:1xyz") == ("a:1xyz", None)
    assert is_personal("a:1xyz") and not is_personal("19:c@thread.tacv2") and not is_personal("19:g@thread.v2")
    # The SDK cuts conversation ids to 150 characters in connector URLs; the adapter's own calls never do.
    long = "a:1" + "x" * 200
    assert _path(long, "activities") == f"v3/conversations/{long}/activities"
    assert _path("19:c@thread.tacv2;messageid=42", "activities", "7") == \
        "v3/conversations/19:c@thread.tacv2;messageid=42/activities/7"
    assert "%2F" in _path("a:b/c", "activities")  # a slash cannot change the route


def test_deep_links_only_for_channel_threads() -> None:
    target = Target("19:abc@thread.tacv2", "1700", "https://smba.trafficmanager.net/jp/", "tenant")
    assert target.address == "19:abc@thread.tacv2;messageid=1700"
    link = deep_link("19:abc@thread.tacv2", "1700", "tenant")
    assert link and link.startswith("https://teams.microsoft.com/l/message/19%3Aabc%40thread.tacv2/1700?")
    assert "tenantId=tenant" in link
    assert deep_link("19:g@thread.v2", "1") is None  # a group chat
    assert deep_link("a:1chat", "1") is None


def test_throttling_answers_are_waited_out_and_other_failures_are_not() -> None:
    import aiohttp
    from multidict import CIMultiDict

    def answered(status: int, **headers: str) -> aiohttp.ClientResponseError:
        return aiohttp.ClientResponseError(None, (), status=status, headers=CIMultiDict(headers))  # type: ignore[arg-type]

    assert delivery_error(answered(429, **{"Retry-After": "7"})).retry_after == 7.0
    assert delivery_error(answered(503)).retry_after == 1.0
    refused = delivery_error(answered(403))
    assert refused.retry_after is None and refused.code == "403"


def test_summary_links_point_at_teams_threads_only() -> None:
    def item(platform: str, channel: str | None, thread: str | None) -> AttentionItem:
        fields: dict[str, Any] = {name: None for name in AttentionItem.__dataclass_fields__}
        fields.update(ref="INC-0007", conversation_platform=platform, conversation_channel=channel,
                      conversation_thread=thread)
        return AttentionItem(**fields)

    linked = teams_link(item("teams", "19:abc@thread.tacv2", "1700"))
    assert linked.startswith("[INC\\-0007](https://teams.microsoft.com/l/message/") or \
        linked.startswith("[INC-0007](https://teams.microsoft.com/l/message/")
    assert teams_link(item("slack", "C1", "1.2")) == "INC-0007"
    assert teams_link(item("teams", "a:1" + "x" * 200, "1")) == "INC-0007"  # a personal chat has no link


def test_a_chart_too_big_for_a_message_is_shrunk_or_left_out() -> None:
    from PIL import Image

    buffer = io.BytesIO()
    Image.effect_noise((900, 400), 90).convert("RGB").save(buffer, format="PNG")
    noisy = buffer.getvalue()
    assert len(base64.b64encode(noisy)) > 20_000
    uri = chart_data_uri(noisy)
    assert uri is None or len(uri) <= 20_000 + len("data:image/png;base64,")
    small = io.BytesIO()
    Image.new("RGB", (200, 100), "white").save(small, format="PNG")
    assert (chart_data_uri(small.getvalue()) or "").startswith("data:image/png;base64,")
    assert chart_data_uri(None) is None


# -- settings and credentials --------------------------------------------------------------------------------
def test_settings_are_validated() -> None:
    settings = TeamsSettings(pr_channel="19:pr@thread.tacv2",
                             service_url="https://smba.trafficmanager.net/jp")
    assert settings.service_url.endswith("/")
    with pytest.raises(ValidationError):
        TeamsSettings(pr_channel="19:pr@thread.tacv2;messageid=1")
    with pytest.raises(ValidationError):
        TeamsSettings(report_channels=["x" * 513])
    with pytest.raises(ValidationError):
        TeamsSettings(service_url="smba.trafficmanager.net")
    with pytest.raises(ValidationError):
        TeamsSettings(mentions={"pr_section": {"id": "x", "name": "y", "type": "team"}})
    with pytest.raises(ValidationError):
        TeamsSettings(unknown_field=1)  # type: ignore[call-arg]


def test_credentials_come_from_the_environment_and_anonymous_mode_has_none() -> None:
    anonymous = TeamsCredentials.from_env({})
    assert anonymous.anonymous and anonymous.missing() == []
    connection = sdk_configuration(anonymous)["CONNECTIONS"]["SERVICE_CONNECTION"]
    assert connection["SETTINGS"] == {"ANONYMOUS_ALLOWED": True}
    partial = TeamsCredentials.from_env({"TEAMS_APP_ID": "app"})
    assert partial.missing() == ["TEAMS_APP_PASSWORD", "TEAMS_TENANT_ID"]
    full = TeamsCredentials.from_env({"TEAMS_APP_ID": "app", "TEAMS_APP_PASSWORD": "pw",
                                      "TEAMS_TENANT_ID": "t"})
    settings = sdk_configuration(full)["CONNECTIONS"]["SERVICE_CONNECTION"]["SETTINGS"]
    assert settings["CLIENTID"] == "app" and settings["CLIENTSECRET"] == "pw" and settings["TENANTID"] == "t"
    assert "pw" not in repr(full)


def test_teams_settings_come_from_app_yaml_once_the_block_exists(runtime: Runtime) -> None:
    assert teams_settings(runtime) == TeamsSettings()  # FileSettings has no teams block yet: the defaults


def test_loopback_hosts() -> None:
    assert _loopback("127.0.0.1") and _loopback("::1") and _loopback("localhost") and _loopback("[::1]")
    assert not _loopback("10.0.0.5") and not _loopback("example.com") and not _loopback(None)


# -- with credentials: every request needs a token ----------------------------------------------------------
def test_with_credentials_a_request_without_a_token_is_refused(runtime: Runtime) -> None:
    from tests.teams.teams_driver import TeamsServer

    credentials = TeamsCredentials(app_id="00000000-0000-0000-0000-000000000001", app_password="secret",
                                   tenant_id="00000000-0000-0000-0000-000000000002")
    bot = build_teams_app(runtime, TeamsSettings(), credentials)
    server = TeamsServer(bot.web_app()).start()
    try:
        request = urllib.request.Request(server.url + "/api/messages", data=b'{"type": "message"}',
                                         headers={"Content-Type": "application/json"}, method="POST")
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(request, timeout=10)
        assert refused.value.code == 401
    finally:
        server.stop()
    assert runtime.triage.queries.list(None) == []


# -- the command ---------------------------------------------------------------------------------------------
def test_the_command_refuses_incomplete_credentials(runtime: Runtime,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    from bot.adapters.teams.cli import teams

    monkeypatch.setenv("TEAMS_APP_ID", "app-id-only")
    monkeypatch.delenv("TEAMS_APP_PASSWORD", raising=False)
    monkeypatch.delenv("TEAMS_TENANT_ID", raising=False)
    out = io.StringIO()
    assert teams(runtime, argparse.Namespace(port=0, host="127.0.0.1"), out) == 2
    assert "TEAMS_APP_PASSWORD" in out.getvalue()


def test_serve_listens_and_stops(runtime: Runtime) -> None:
    from bot.adapters.teams.cli import serve

    bot = build_teams_app(runtime, TeamsSettings(), TeamsCredentials())
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    out = io.StringIO()
    loop = asyncio.new_event_loop()
    stop = asyncio.Event()

    async def run() -> None:
        await serve(bot, "127.0.0.1", port, out, stop=stop)

    thread = threading.Thread(target=lambda: loop.run_until_complete(run()), daemon=True)
    thread.start()
    try:
        for _ in range(200):
            if "listening on" in out.getvalue():
                break
            threading.Event().wait(0.02)
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=10) as answer:
            assert answer.status == 200
        assert bot.loop is loop  # the scheduler's deliveries run on this loop
    finally:
        loop.call_soon_threadsafe(stop.set)
        thread.join(15)
        loop.close()
    assert f"http://127.0.0.1:{port}/api/messages" in out.getvalue()


# -- shared presentation rules (bot/presenting.py) -----------------------------------------------------------
def test_presentation_rules(runtime: Runtime) -> None:
    catalog = runtime.triage.catalog
    assert is_help(" ヘルプ ") and is_help("") and not is_help("炎上しています")
    ref = StepRef(12, "leak", "notify:internal")
    assert StepRef.decode(ref.encode()) == ref
    with pytest.raises(ValueError):
        StepRef.decode("nonsense")
    assert step_purpose("leak", "s1") == "step:leak:s1" and step_purpose("leak", "s1", 3) == "step:leak:s1#3"
    assert notification_purposes(3) == ["pr_message", "escalation:2", "escalation:3"]
    assert notification_channel(True, "PR", "SEC") == "SEC" and notification_channel(True, "PR", None) == "PR"
    assert notification_channel(False, "PR", "SEC") == "PR"
    refusal = failure_text(PermissionDenied("acknowledge", "u", 1), catalog) or ""
    assert "広報広聴課として登録された職員だけ" in refusal
    assert failure_text(PermissionDenied("answer_step", "u", 1), catalog) == catalog.t("error.denied")
    assert failure_text(InvalidRequest("だめです"), catalog) == "だめです"
    assert "INC-0009" in (failure_text(IncidentNotFound(9), catalog) or "")
    assert failure_text(RuntimeError("boom"), catalog) is None
    errors = field_errors("「URL」は必須です。\n「規模」を選んでください\nその他", [("url", "URL"), ("spread", "規模")])
    assert errors == {"url": "「URL」は必須です。\nその他", "spread": "「規模」を選んでください"}
    step = StepView(1, "s", 1, 1, "t", "i", (), inputs=(InputSpec("spread", "規模", "choice",
                                                                   choices=(("large", "大規模"),)),
                                                         InputSpec("note", "メモ", "text")),
                    answers={"spread": "large"})
    assert [(item.id, shown) for item, shown in answered(step)] == [("spread", "大規模")]


def test_cards_show_answers_and_cap_their_size(runtime: Runtime) -> None:
    render = CardRenderer(runtime.triage.catalog, runtime.library.kinds())
    from bot.ports import DraftView

    step = StepView(1, "s", 1, 2, "記録する", "説明", ("条項 1",), drafts=(DraftView("d", "お詫び文", "あ" * 40_000),),
                    inputs=(InputSpec("url", "URL", "url", required=True),), status="done",
                    answers={"url": "https://x.com/a_b"})
    import json

    pending = render.step(step, "flaming")
    assert len(json.dumps(pending, ensure_ascii=False).encode()) < 28_000
    closed = render.step_closed(step, "山田", "11月18日")
    assert len(json.dumps(closed, ensure_ascii=False).encode()) < 28_000
    facts = [e for e in closed["body"] if e["type"] == "FactSet"][0]["facts"]
    assert facts == [{"title": "URL", "value": "https://x.com/a_b"}]


def test_the_app_package_holds_a_manifest_for_the_bot_and_its_icons() -> None:
    import json
    import zipfile

    from PIL import Image

    from bot.adapters.teams.manifest import package
    from bot.i18n import Catalog

    app_id = "00000000-0000-0000-0000-000000000001"
    zipped = package(app_id, Catalog.load("ja"), developer="○○市", website="https://www.example.jp/",
                     privacy="https://www.example.jp/privacy", terms="https://www.example.jp/terms")
    with zipfile.ZipFile(io.BytesIO(zipped)) as archive:
        assert sorted(archive.namelist()) == ["color.png", "manifest.json", "outline.png"]
        data = json.loads(archive.read("manifest.json"))
        sizes = {name: Image.open(io.BytesIO(archive.read(name))).size
                 for name in ("color.png", "outline.png")}
    assert sizes == {"color.png": (192, 192), "outline.png": (32, 32)}
    assert data["id"] == app_id and data["bots"][0]["botId"] == app_id
    assert set(data["bots"][0]["scopes"]) == {"personal", "team", "groupChat"}
    assert data["webApplicationInfo"]["id"] == app_id
    assert {"name": "ChannelMessage.Read.Group", "type": "Application"} in \
        data["authorization"]["permissions"]["resourceSpecific"]
    assert len(data["name"]["short"]) <= 30 and len(data["description"]["short"]) <= 80


def test_settings_and_shared_rules_import_no_chat_sdk() -> None:
    import subprocess
    import sys

    code = ("import sys, bot.presenting, bot.adapters.teams, bot.adapters.teams.settings; "
            "loaded = [m for m in sys.modules if m.split('.')[0] in ('microsoft_agents', 'slack_sdk', 'slack_bolt', "
            "'aiohttp')]; print(loaded); sys.exit(1 if loaded else 0)")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stdout + result.stderr


def test_config_knows_no_adapter_and_teams_checks_its_own_section(runtime_factory, sqlite_url) -> None:  # noqa: ANN001
    import bot.config
    from bot.adapters.teams.app import TeamsConfigError

    assert "bot.adapters" not in open(bot.config.__file__, encoding="utf-8").read()
    runtime = runtime_factory(sqlite_url, teams={"service_url": 5, "bogus": True})
    with pytest.raises(TeamsConfigError) as refused:
        teams_settings(runtime)
    assert "test-app.yaml: teams.bogus" in str(refused.value) and "teams.service_url" in str(refused.value)
