"""Session 15 walk on LINE WORKS (いわき市 and 旭川市 from the installed wheel, docs/qa/session15_walk_lineworks.md):
the findings fixed in the adapter, as tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.adapters.lineworks import postback as pb
from bot.adapters.lineworks.app import LineWorksConfigError, lineworks_credentials
from bot.adapters.lineworks.settings import LineWorksCredentials
from bot.triage import lifecycle
from tests.lineworks.harness import OTHER, PR, PR_ROOM, STAFF, LwEnv, quick_data, resolved, text_of
from tests.lineworks.test_lineworks_scenarios import REPORTS

LEAK = "市民課の職員がXに住民の氏名と住所が写った書類の写真を投稿してしまいました。個人情報の漏えいです https://x.com/a/status/42"
FLAMING = "市の公式Xでごみ収集の投稿が炎上しています。批判のリプライが殺到しています https://x.com/iwaki_fake/status/7"


def _events(lw: LwEnv, incident_id: int) -> list[str]:
    return [e.type for e in lw.runtime.triage.queries.timeline(incident_id, None)]


def test_a_grant_to_a_name_no_lineworks_member_has_gives_no_role(lw: LwEnv) -> None:
    """#1: 「権限付与 INC-0001 @鈴木」 (as the usage example 「@職員」 reads) gave the reporter role of a leak to
    「lineworks:鈴木」, a member nobody is: recorded as granted, told 「付与しました」, the real colleague nothing."""
    lw.say(STAFF, LEAK)
    [view] = lw.runtime.triage.queries.list(None)
    lw.say(PR, "権限付与 INC-0001 @鈴木")
    said = text_of(lw.to_user(PR)[-1])
    assert "付与していません" in said and "鈴木" in said and "付与しました" not in said
    assert "role_granted" not in _events(lw, view.id)
    assert lw.to_user("鈴木") == []  # nobody was written to under a made-up id
    lw.say(PR, f"権限付与 INC-0001 @{OTHER}")  # a member the directory knows, typed with the @ of the example
    assert "付与しました" in text_of(lw.to_user(PR)[-1])
    assert "role_granted" in _events(lw, view.id)


def test_a_grant_is_not_refused_when_the_directory_cannot_be_read(lw: LwEnv, monkeypatch: pytest.MonkeyPatch
                                                                 ) -> None:
    """Without user.read (or the directory down) the bot cannot tell: the grant goes ahead as before."""
    lw.say(STAFF, LEAK)
    monkeypatch.setattr(lw.adapter.client, "member_known", lambda user_id: None)
    lw.say(PR, "権限付与 1 someone-new")
    assert "付与しました" in text_of(lw.to_user(PR)[-1])


def test_the_slash_commands_prefix_typed_in_the_1to1_chat_runs_the_command(lw: LwEnv) -> None:
    """#2: staff used to Slack typed 「/incident 終結 1」 (the README: 「/incident を前に付けても可」); it was read as a
    report and asked 「インシデントとして報告しますか？」 with 情報漏えい first."""
    incident_id = resolved(lw, FLAMING)
    lw.say(PR, "/incident 終結 1")
    assert lw.runtime.triage.queries.view(incident_id, None).status == lifecycle.CLOSED
    assert "報告しますか" not in text_of(lw.to_user(PR)[-1])
    lw.say(PR, "／ｉｎｃｉｄｅｎｔ")  # the prefix alone: the command list, not a report question
    assert "コマンド" in text_of(lw.to_user(PR)[-1]) and "報告しますか" not in text_of(lw.to_user(PR)[-1])
    assert [v.id for v in lw.runtime.triage.queries.list(None)] == [incident_id]


def test_a_typed_answer_that_is_no_choice_is_asked_again_not_recorded(lw: LwEnv) -> None:
    """#3: asked to choose 「対応の確定に時間がかかりますか」, 山田 typed 「はい、時間がかかります」: 「記録しました」,
    and only on 「完了」 「次のいずれかを選んでください: yes (はい), no (…)」."""
    lw.say(STAFF, FLAMING)
    [view] = lw.runtime.triage.queries.list(None)
    spread = pb.encode(pb.INPUT, view.id, "flaming", "intake", "spread")
    lw.press(STAFF, spread)
    lw.say(STAFF, "すごく多いです")
    said = lw.to_user(STAFF)[-1]
    assert "記録しました" not in text_of(said)
    assert "すごく多いです" in text_of(said) and "選択肢" in text_of(said)
    assert any(pb.decode(d).action == pb.CHOICE for d in quick_data(said))  # the choices again
    lw.say(STAFF, "大量に拡散")  # still the pending field: the label's head is a choice
    assert "「拡散の規模」を記録しました" in text_of(lw.to_user(STAFF)[-1])


def test_credential_errors_say_in_japanese_what_to_fix(tmp_path: Path) -> None:
    """#4: a wrong LW_BOT_ID, an unreadable or non-PEM private key stopped start-up with English only (「Value error,
    LW_BOT_ID is the bot's number…」, 「cannot read …: [Errno 2] …」)."""
    with pytest.raises(LineWorksConfigError) as bad_id:
        lineworks_credentials({"LW_BOT_ID": "my-bot"})
    assert "Bot ID" in str(bad_id.value) and "数字" in str(bad_id.value) and "Value error" not in str(bad_id.value)
    missing = tmp_path / "private_2026.key"
    with pytest.raises(ValueError) as unreadable:
        LineWorksCredentials(private_key_file=missing).private_key()
    assert "読み込めません" in str(unreadable.value) and str(missing) in str(unreadable.value)
    assert "Errno" not in str(unreadable.value)
    garbage = tmp_path / "other.key"
    garbage.write_text("hello", encoding="utf-8")
    with pytest.raises(ValueError) as not_pem:
        LineWorksCredentials(private_key_file=garbage).private_key()
    assert "Private Key" in str(not_pem.value) and "ダウンロード" in str(not_pem.value)
    with pytest.raises(LineWorksConfigError) as bad_url:
        lineworks_credentials({"LW_API_URL": "www.worksapis.com/v1.0"})
    assert "LW_API_URL" in str(bad_url.value) and "URL を指定してください" in str(bad_url.value)


def test_a_declined_incidents_buttons_are_no_longer_carried(lw: LwEnv) -> None:
    """#5: after 「対象外 INC-0005 重複のため」, the next PR notice still carried 「確認しました（INC-0005）」;
    pressed, it recorded an acknowledgement of the declined incident and sent its reporter step 1 again. The
    reporter's chat kept carrying the declined incident's step buttons too."""
    lw.say(STAFF, FLAMING)
    [declined] = lw.runtime.triage.queries.list(None)
    lw.say(PR, f"対象外 {declined.id} 重複のため")
    assert lw.runtime.triage.queries.view(declined.id, None).status == lifecycle.DECLINED
    before = len(lw.to_room(PR_ROOM))
    lw.say(OTHER, "花火大会の告知投稿が炎上しています。日付の誤りに批判が集まっています https://x.com/city/status/5")
    assert len(lw.to_room(PR_ROOM)) > before  # the new incident's notice
    offered = [pb.decode(d) for d in quick_data(lw.to_room(PR_ROOM)[-1])]
    assert offered and declined.id not in {d.incident_id for d in offered}
    lw.say(STAFF, "help")
    assert declined.id not in {pb.decode(d).incident_id for d in quick_data(lw.to_user(STAFF)[-1])}


def test_an_unanswered_question_is_not_carried_onto_a_kind_correction(lw: LwEnv) -> None:
    """#14: 鈴木 wrote something unsure in his 1:1 chat (「INC-0002 の記録に残す」 and the kinds offered), then typed
    「種別 INC-0002 デマ」: 「…に訂正しました」 carried that question's kinds, which read as choices for INC-0002."""
    lw.say(STAFF, FLAMING)
    lw.say(STAFF, "なんか市の公式LINEのことでSNSが騒がしいです")
    asked = quick_data(lw.to_user(STAFF)[-1])
    assert {pb.decode(d).action for d in asked} == {pb.FOLLOWUP}  # 続報 or new first (session 22)
    before = len(lw.to_user(STAFF))
    lw.say(STAFF, "種別 INC-0001 デマ")
    for content in lw.to_user(STAFF)[before:]:
        assert not {pb.decode(d).action for d in quick_data(content)} & {pb.NOTE, pb.ASK, pb.FOLLOWUP}, text_of(content)


def test_a_report_in_the_1to1_chat_gets_one_receipt_not_two(lw: LwEnv) -> None:
    """Walk s15 #13: 「INC-0002（炎上）の報告を受け付けました。報告者: …」 and then 「INC-0002 を受け付けました（種別:
    …）」: a conversation without threads opens with its intro, which also says where the steps come."""
    for who, report in ((STAFF, REPORTS["flaming"]), (OTHER, REPORTS["leak"])):
        lw.say(who, report)
        said = [text_of(m) for m in lw.to_user(who)]
        assert sum("受け付けました" in t for t in said) == 1, said
        [receipt] = [t for t in said if "受け付けました" in t]
        assert "種別" in receipt and "対応手順はこのトークで一つずつ案内します" in receipt
        assert any("【手順 1/" in t for t in said)


def test_the_grant_usage_gives_an_example_that_works_on_line_works(lw: LwEnv) -> None:
    """Walk s15 #19: 「（例: 権限付与 INC-0001 @職員）」, but a 1:1 chat delivers no @mention and a typed name is
    refused; the example is the id the co-report notice shows."""
    lw.say(PR, "権限付与 INC-0001")
    said = text_of(lw.to_user(PR)[-1])
    assert "権限付与 INC-0001 lineworks:" in said and "@職員" not in said, said
