"""`incident-bot teams manifest`: the package declares exactly the permissions and commands the bot uses."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

import pytest

from bot.adapters.teams.extension import FETCH_TASK, SUBMIT_ACTION
from bot.adapters.teams.manifest import COMMAND_ID, RSC_PERMISSIONS, manifest
from bot.i18n import Catalog
from bot.main import run

APP_ID = "00000000-0000-0000-0000-000000000002"


def _manifest(locale: str = "ja") -> dict:
    return manifest(APP_ID, Catalog.load(locale), developer="旭川市", website="https://www.example.jp/",
                    privacy="https://www.example.jp/privacy", terms="https://www.example.jp/terms")


def test_the_message_action_is_declared_once_for_messages() -> None:
    data = _manifest()
    [extension] = data["composeExtensions"]
    assert extension["botId"] == APP_ID
    [command] = extension["commands"]
    assert command == {"id": COMMAND_ID, "type": "action", "context": ["message"], "fetchTask": True,
                       "title": "インシデントとして報告",
                       "description": "このメッセージの内容をSNSインシデントとして報告します"}
    assert _manifest("en")["composeExtensions"][0]["commands"][0]["title"] == "Report as an incident"
    assert (FETCH_TASK, SUBMIT_ACTION) == ("composeExtension/fetchTask", "composeExtension/submitAction")


def test_only_the_permissions_used_are_asked_for() -> None:
    data = _manifest()
    assert "permissions" not in data  # no "identity" (SSO) nor "messageTeamMembers" (proactive 1:1)
    granted = data["authorization"]["permissions"]["resourceSpecific"]
    assert granted == [{"name": "ChannelMessage.Read.Group", "type": "Application"}]
    assert set(RSC_PERMISSIONS) == {g["name"] for g in granted}
    assert data["webApplicationInfo"] == {"id": APP_ID, "resource": "https://RscPermission"}
    assert data["validDomains"] == []


def test_incident_bot_teams_manifest_writes_the_package(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "app.zip"
    stderr = io.StringIO()
    code = run(["teams", "manifest", "--app-id", APP_ID, "--out", str(out), "--locale", "en"],
               stdout=io.StringIO(), stderr=stderr)
    assert code == 0, stderr.getvalue()
    with zipfile.ZipFile(out) as archive:
        data = json.loads(archive.read("manifest.json"))
    assert data["id"] == APP_ID and data["name"]["short"] == Catalog.load("en").t("teams.app.name")[:30]
    assert data["composeExtensions"][0]["commands"][0]["id"] == COMMAND_ID
    monkeypatch.delenv("TEAMS_APP_ID", raising=False)
    missing = io.StringIO()
    assert run(["teams", "manifest", "--out", str(out)], stdout=io.StringIO(), stderr=missing) == 2
    assert "--app-id" in missing.getvalue() and "Entra" in missing.getvalue()
