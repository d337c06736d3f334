"""Console walk s16 (docs/qa/session16_walk_console.md): what staff typed on a bad day and what broke."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from bot.adapters.console import ConsoleChat
from bot.config import ConsoleSettings
from bot.triage.short_input import choice_value
from bot.wiring import Runtime

ACCESS = {"pr_members": ["console:console-pr"], "security_officers": ["console:console-security"]}
FLAMING = "市の公式Xの投稿が炎上しています。批判が殺到しています https://x.com/city/status/16"
SPREAD = (("small", "少数の反応のみ"), ("medium", "数十〜数百件の反応・共有"),
          ("large", "大量に拡散（トレンド入り・まとめサイト等）"))


def _chat(runtime_factory: Callable[..., Runtime], sqlite_url: str, tmp_path: Path, **overrides: object) -> ConsoleChat:
    runtime = runtime_factory(sqlite_url, access=ACCESS, **overrides)
    return ConsoleChat(runtime.triage, ConsoleSettings(), tmp_path / "records")


def test_the_head_of_one_choice_label_is_that_choice() -> None:
    # #1: 「大量」 is how staff answer 「大量に拡散（…）」; it was refused and asked again.
    assert [choice_value(SPREAD, typed) for typed in ("大量", "数十", "少数", "大量に拡散")] == [
        "large", "medium", "small", "large"]
    personal = (("no", "含まれない"), ("yes", "含まれる"), ("unknown", "不明"))
    assert choice_value(personal, "含まれ") is None  # the head of two labels: still asked again
    assert choice_value(SPREAD, "拡散") is None  # inside a label, not its head: no guess


def test_guided_input_takes_the_head_of_a_label(runtime_factory: Callable[..., Runtime], sqlite_url: str,
                                                tmp_path: Path) -> None:
    chat = _chat(runtime_factory, sqlite_url, tmp_path)
    chat.handle(FLAMING)
    chat.handle("/done")
    chat.handle("")  # the URL from the report
    chat.handle("")  # the platform from the URL
    chat.handle("")  # no screenshot note yet
    assert "（press、必須）" in chat.handle("大量"), "大量 was not taken as 大量に拡散"


def test_answers_typed_with_a_required_one_missing_are_kept(runtime_factory: Callable[..., Runtime],
                                                            sqlite_url: str, tmp_path: Path) -> None:
    # #3: /done with three answers but no post URL said 「必須です」 and dropped all three.
    chat = _chat(runtime_factory, sqlite_url, tmp_path)
    chat.handle("市の公式Facebookの投稿に批判が殺到して炎上しています")  # no URL in the report
    asked = chat.handle("/done spread=大 press=なし personal_data=いいえ")
    assert "（post_url、必須）" in asked and chat.guided is not None, asked
    assert "spread" not in asked  # only what is missing is asked
    done = chat.handle("https://www.facebook.com/city/posts/16")
    assert "【手順 2/" in done, done
    timeline = chat.handle("/timeline")
    assert "大量に拡散" in timeline and "含まれない" in timeline, timeline


def test_the_reporters_status_shows_the_step_not_a_card_elsewhere(runtime_factory: Callable[..., Runtime],
                                                                  sqlite_url: str, tmp_path: Path) -> None:
    # #4: 「手順 1 のカードは…ボットとの個人チャットにあります」 in a console, where there is no card and no other chat.
    chat = _chat(runtime_factory, sqlite_url, tmp_path)
    chat.handle(FLAMING)
    shown = chat.handle("/status")
    assert "カード" not in shown and "個人チャット" not in shown, shown
    assert "【手順 1/6】状況を記録する" in shown and "入力項目:" in shown  # s22: 8 steps, at most 6 for one


def test_reopen_is_refused_for_an_incident_still_open(runtime_factory: Callable[..., Runtime], sqlite_url: str,
                                                      tmp_path: Path) -> None:
    # #2: PR's /reopen 2 on an unacknowledged report moved it to 対応中 (「再開」 of something never ended).
    chat = _chat(runtime_factory, sqlite_url, tmp_path)
    chat.handle(FLAMING)
    chat.handle("/as pr")
    said = chat.handle("/reopen 1")
    assert "「対応中」にしました" not in said, said
    assert "再開" in said and "対応完了" in said, said
    assert chat.triage.queries.view(1, None).status == "reported"
    assert "「対応中」にしました" not in chat.handle("再開 INC-0001")  # the shared command word too


def test_an_unknown_kind_lists_the_kinds_in_japanese(runtime_factory: Callable[..., Runtime], sqlite_url: str,
                                                     tmp_path: Path) -> None:
    # #5: 「使える種別: flaming, impersonation, …」 to staff who type 炎上 and デマ.
    chat = _chat(runtime_factory, sqlite_url, tmp_path)
    chat.handle(FLAMING)
    said = chat.handle("/kind なし")
    assert "炎上" in said and "情報漏えい" in said and "flaming" not in said, said


def test_closing_an_incident_still_under_way_says_to_resolve_it_first(
        runtime_factory: Callable[..., Runtime], sqlite_url: str, tmp_path: Path) -> None:
    # #9: security's /close of a leak under way said only 「「対応中」から「終結」にはできません」.
    chat = _chat(runtime_factory, sqlite_url, tmp_path)
    chat.handle(FLAMING)
    chat.handle("/done spread=中 press=なし personal_data=なし")
    chat.handle("/as pr")
    said = chat.handle("/close")
    assert "先に「対応完了」にしてください" in said, said


def test_a_report_of_another_post_during_a_step_is_a_new_report(runtime_factory: Callable[..., Runtime],
                                                                sqlite_url: str, tmp_path: Path) -> None:
    # #10: a fake account reported while INC-0001's step was open went onto INC-0001's timeline as a note, and
    # nobody was notified of it.
    chat = _chat(runtime_factory, sqlite_url, tmp_path)
    chat.handle(FLAMING)
    said = chat.handle("Fake account pretending to be the city on X, DMing residents: https://x.com/city_fake_16")
    assert "INC-0002" in said and "なりすまし" in said, said
    remark = chat.handle("削除依頼しました。受付はこちら https://help.x.com/forms/16")  # a remark with a link
    assert "タイムラインに記録しました" in remark, remark
    same = chat.handle("同じ投稿がまた拡散しています https://x.com/city_fake_16")  # the open incident's own post
    assert "INC-0003" not in same, same


def test_a_follow_up_naming_the_post_says_how_to_enter_it(runtime_factory: Callable[..., Runtime],
                                                          sqlite_url: str, tmp_path: Path) -> None:
    # #11: 「乗っ取られたかも」, then the details with the URL: a note, and step 1 still asked for the URL as unknown.
    chat = _chat(runtime_factory, sqlite_url, tmp_path, profile="chikugo",
                 escalation={"levels": [{"section": "pr_head"}]})
    chat.handle("乗っ取られたかも")
    said = chat.handle("市公式インスタのパスワードが変えられてログインできません https://www.instagram.com/chikugo_city/")
    assert "タイムラインに記録しました" in said
    assert "/done post_url=https://www.instagram.com/chikugo_city/" in said, said


def test_ending_with_steps_not_done_names_them(runtime_factory: Callable[..., Runtime], sqlite_url: str,
                                               tmp_path: Path) -> None:
    # #8: security's /resolve of a leak with none of its six steps done said only 「対応完了にしました」.
    chat = _chat(runtime_factory, sqlite_url, tmp_path)
    chat.handle(FLAMING)
    chat.handle("/done spread=中 press=なし personal_data=なし")
    chat.handle("/as pr")
    chat.handle("/ack")
    said = chat.handle("/resolve")
    assert "「対応完了」にしました" in said and "未完了の手順が 5 件" in said, said
    assert "「反論や抗弁は控えて冷静に対応し、事実関係を確認する」「" in said and "報告書" in said
    chat.handle("/cancel")  # the closing review
    closed = chat.handle("/close")  # said once: not again when it is closed
    assert "「終結」にしました" in closed and "未完了の手順" not in closed, closed


def test_granting_a_name_nobody_has_is_refused(runtime_factory: Callable[..., Runtime], sqlite_url: str,
                                               tmp_path: Path) -> None:
    # #12: PR's /grant other (no such console user) gave the reporter role to 「console:other」, nobody at all.
    chat = _chat(runtime_factory, sqlite_url, tmp_path)
    chat.handle("市の公式Xに住民の電話番号が写った写真を載せてしまいました https://x.com/city/status/1616")
    chat.handle("/as pr")
    said = chat.handle("/grant other")
    assert "付与しました" not in said and "「other」" in said and "staff" in said, said
    assert not [e for e in chat.triage.queries.timeline(1, None) if e.type == "role_granted"]
    assert "付与しました" not in chat.handle("権限付与 INC-0001 other")  # the shared command word too
    assert "付与しました" in chat.handle("/grant slack:U0123ABCD")  # another platform's id, as written in access


def test_the_kinds_asked_show_no_chance_the_classifier_did_not_give() -> None:
    """Console walk s16 #17: 「1. 炎上（0%）… 5. …（0%）」 when the classifier had nothing to say; the other
    platforms already leave a zero out (presenting.chances)."""
    from bot.adapters.console_render import render_ask
    from bot.i18n import Catalog
    from bot.ports import AskIfReport, KindChoice

    ask = AskIfReport("インシデントとして報告しますか？", (KindChoice("flaming", "炎上", 0.62),
                                                  KindChoice("leak", "情報漏えい", 0.001)), "報告ではない")
    shown = render_ask(ask, Catalog.load("ja").t)
    assert "  1. 炎上（62%）" in shown and "  2. 情報漏えい\n" in shown and "0%" not in shown


def test_a_leaks_timeline_names_no_one_to_a_colleague_without_the_role(
        runtime_factory: Callable[..., Runtime], sqlite_url: str, tmp_path: Path) -> None:
    """Console walk s16 #18: names were hidden from a colleague without the role, but the ids were shown instead
    (「console:console-staff」), which name the reporter of a leak just as well."""
    from bot.adapters.console import ConsoleChat
    from bot.config import ConsoleSettings, ConsoleUser
    from tests.conftest import OTHER, PR, STAFF
    from tests.test_console_transcript import REPORTS

    users = ConsoleSettings(users={"staff": ConsoleUser(id=STAFF, name="山田 花子"),
                                   "pr": ConsoleUser(id=PR, name="広報 太郎"),
                                   "other": ConsoleUser(id=OTHER, name="他課 次郎")}, default_user="staff")
    chat = ConsoleChat(runtime_factory(sqlite_url).triage, users, tmp_path)
    chat.handle(REPORTS["leak"].format(url="https://x.com/a/status/818"))
    chat.handle("/as pr")
    chat.handle("/ack")
    chat.handle("/as other")
    shown = chat.handle("/timeline 1")
    assert "報告" in shown and STAFF not in shown and PR not in shown, shown
    assert "山田" not in shown and "広報 太郎" not in shown
