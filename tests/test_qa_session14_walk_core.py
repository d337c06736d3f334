"""Session 14 Teams walk (docs/qa/session14_walk_teams.md): core rules found by 筑後市 and 浦臼町's staff."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from bot.config import load_config
from bot.main import run
from bot.ports import Actor, ReportInput
from bot.triage.urls import source_key
from bot.wiring import Runtime, build_runtime
from tests.conftest import OTHER, STAFF
from tests.test_qa_session13_walkfix import _check  # `check` on an app.yaml in an empty folder

FB_SHARED = "https://www.facebook.com/chikugocity/posts/pfbid0abc?__cft__[0]=AZX&__tn__=%2CO%2CP-R"
FB_PLAIN = "https://facebook.com/chikugocity/posts/pfbid0abc"
FB_MOBILE = "https://m.facebook.com/chikugocity/posts/pfbid0abc?mibextid=Nif5oz"


def test_facebooks_click_and_share_tracking_does_not_make_another_post() -> None:
    """#1: Facebook adds __cft__[0] / __tn__ to links clicked in its feed and mibextid to shared links; the same
    post became three keys, so three colleagues' reports of one 炎上 opened three incidents."""
    assert source_key(FB_SHARED) == source_key(FB_PLAIN) == source_key(FB_MOBILE)
    # A query that names something else (a comment, a story) still tells posts apart.
    assert source_key(FB_PLAIN + "?comment_id=42") != source_key(FB_PLAIN)
    assert source_key("https://www.facebook.com/permalink.php?story_fbid=1&id=2") != source_key(
        "https://www.facebook.com/permalink.php?story_fbid=3&id=2")


def test_colleagues_reporting_one_facebook_post_from_feed_and_share_links_share_one_incident(
        runtime: Runtime) -> None:
    """#1 end to end: the second and third reports merge into the first (one notice to the section)."""
    first = runtime.triage.incidents.report(ReportInput(
        f"市のFacebookの投稿にコメントが殺到して炎上気味です {FB_SHARED}", Actor(STAFF, "山田 花子", "test")))
    second = runtime.triage.incidents.report(ReportInput(
        f"ゴミ分別の件、FBでめっちゃ叩かれてます。炎上してます {FB_MOBILE}", Actor(OTHER, "佐藤 一郎", "test")))
    assert first.incident is not None and second.incident is not None
    assert second.merged and second.incident.id == first.incident.id
    assert len(runtime.triage.queries.list(None)) == 1


CHIKUGO = """
profile: chikugo
teams:
  report_channels: ["19:report@thread.tacv2"]
  pr_channel: "19:pr@thread.tacv2"
  pr_members: ["aad-pr-0001", "29:pr-0002"]
  mentions:
    pr_head: {id: "aad-head-0001", name: "総務広報課長 中村"}
"""


def test_check_warns_when_the_person_mentioned_as_the_acknowledger_may_not_acknowledge(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """#4: 筑後市's notice mentions 総務広報課長 中村 with 「確認しました（総務広報課長）」; set up from the Teams
    guide (pr_members: the PR staff), the 課長 pressing it was refused 「確認できるのは総務広報課長として登録された
    職員だけです」 and `check` had said nothing."""
    code, said = _check(tmp_path, monkeypatch, CHIKUGO)
    assert code == 0, said  # a warning: the notice still reaches the PR channel and its members
    line = next((line for line in said.splitlines() if "teams.mentions.pr_head" in line), "")
    assert "総務広報課長 中村" in line and "aad-head-0001" in line and "pr_members" in line, said
    listed = CHIKUGO.replace('"29:pr-0002"]', '"29:pr-0002", "aad-head-0001"]')
    assert "teams.mentions.pr_head" not in _check(tmp_path, monkeypatch, listed)[1]
    # 浦臼町: 所属課局長 is told with 総務課 (5(3)) but acknowledging is 総務課's (pr_role), so no warning for the head.
    urausu = CHIKUGO.replace("profile: chikugo", "profile: urausu").replace(
        'pr_head: {id: "aad-head-0001", name: "総務広報課長 中村"}',
        'department_head: {id: "aad-head-0001", name: "所属課局長"}\n    pr_section: {id: "tag-somu", name: "総務課", '
        'type: tag}')
    assert "teams.mentions" not in _check(tmp_path, monkeypatch, urausu)[1]


TEAMS_TOWN = """
profile: chikugo
teams:
  report_channels: ["19:report@thread.tacv2"]
  pr_channel: "19:pr@thread.tacv2"
  pr_members: ["aad-pr-0001", "29:pr-0002"]
  security_officers: ["aad-sec-0001"]
  mentions:
    pr_head: {id: "aad-pr-0001", name: "総務広報課長 中村"}
"""


def test_pr_and_security_named_in_the_teams_block_may_export_the_records_they_receive(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """#6: the Teams guide puts PR and security in teams.pr_members / security_officers; the bot sends them the
    leak's files, but `incident-bot timeline 1 --as teams:aad-sec-0001` (docs/records.md: export is PR's and
    security's) was refused 「この操作を行う権限がありません。操作は記録されました。」 and recorded as their
    unauthorised attempt: the CLI's access knew only access: and slack:."""
    (tmp_path / "app.yaml").write_text(TEAMS_TOWN, encoding="utf-8")
    monkeypatch.delenv("DATABASE_URL", raising=False)
    runtime = build_runtime(load_config(tmp_path / "app.yaml"))
    try:
        runtime.triage.incidents.report(ReportInput(
            "子育て支援課のInstagramに申請者の名簿（氏名・住所・電話番号）が写り込んでいます。情報漏えいです "
            "https://www.instagram.com/p/Cabc123/", Actor("teams:aad-staff-0001", "山田 花子", "teams"),
            kind_hint="leak"))
    finally:
        runtime.close()
    for viewer in ("teams:aad-sec-0001", "teams:aad-pr-0001", "teams:29:pr-0002"):
        out = io.StringIO()
        code = run(["timeline", "1", "--as", viewer, "--config", str(tmp_path / "app.yaml")], stdout=out, stderr=out)
        assert code == 0 and "INC-0001" in out.getvalue(), (viewer, out.getvalue())
    out = io.StringIO()  # a colleague of another 課 still may not
    assert run(["timeline", "1", "--as", "teams:aad-other-0001", "--config", str(tmp_path / "app.yaml")],
               stdout=out, stderr=out) == 1
