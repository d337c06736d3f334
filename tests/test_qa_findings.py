"""Findings of a new user's walk through the console (session 5), each fixed in the core or the console."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from bot.adapters.console import ConsoleChat
from bot.config import ConsoleSettings, ConsoleUser
from bot.ports import Actor, ReportInput
from bot.triage.privacy_cues import exposes_personal_data
from bot.wiring import Runtime
from tests.conftest import OTHER, PR, SECURITY, STAFF

USERS = ConsoleSettings(users={
    "staff": ConsoleUser(id=STAFF, name="山田 花子"),
    "other": ConsoleUser(id=OTHER, name="通行 人"),
    "pr": ConsoleUser(id=PR, name="広報 太郎"),
    "security": ConsoleUser(id=SECURITY, name="情報 守"),
}, default_user="staff")
URL = "https://x.com/city/status/9"


def test_a_co_reporter_of_a_flaming_gets_no_leak_details_after_the_kind_becomes_leak(
        runtime_factory: Callable[..., Runtime], sqlite_url: str) -> None:
    """Roles are granted, not taken: merge() drops an ordinary role moving into a restricted incident,
    correct_kind() keeps it, so a colleague who only re-posted the URL reads the leak summary."""
    runtime = runtime_factory(sqlite_url, escalation={"levels": []})
    chat = ConsoleChat(runtime.triage, USERS)
    chat.handle(f"市の公式Xの投稿が炎上しています {URL}")
    chat.handle("/as other")
    chat.handle(f"/report 市の公式Xの投稿が炎上しているようです {URL}")
    chat.handle("/as staff")
    chat.handle("/kind 漏えい")
    chat.handle(f"/done post_url={URL} leak_summary=職員10名の住所 spread=small press=no personal_data=yes")
    view = runtime.triage.queries.view(1, OTHER)
    assert not view.details_visible
    chat.handle("/as other")
    assert "職員10名の住所" not in chat.handle("/drafts")


def test_a_huge_incident_number_is_a_message_not_a_crash(runtime_factory: Callable[..., Runtime],
                                                        sqlite_url: str) -> None:
    """/open, /ack, /timeline with 99999999999999999999: OverflowError ends the whole console session."""
    runtime = runtime_factory(sqlite_url, escalation={"levels": []})
    chat = ConsoleChat(runtime.triage, USERS)
    for line in ("/open 99999999999999999999", "/ack 99999999999999999999", "/timeline 99999999999999999999"):
        assert "INC-" in chat.handle(line) or "番号" in chat.handle(line)


def test_a_custom_first_recipient_is_not_attributed_to_the_guideline(runtime_factory: Callable[..., Runtime],
                                                                     sqlite_url: str) -> None:
    """custom_profiles may name another first recipient; the step then cites 浦臼町 5(3) (所属課局長及び総務課)
    for 「危機管理課まで速やかに連絡」 without saying it is the municipality's own setting."""
    custom = {"my": {"extends": "urausu", "sections": {"crisis": {"name": {"ja": "危機管理課", "en": "Crisis"}}},
                     "first_report_to": ["crisis"]}}
    runtime = runtime_factory(sqlite_url, profile="my", custom_profiles=custom, escalation={"levels": []})
    chat = ConsoleChat(runtime.triage, USERS)
    chat.handle(f"町の公式Xの投稿が炎上しています {URL}")
    step = chat.handle("/done spread=small press=no personal_data=no")
    assert "危機管理課（自治体の運用設定）まで速やかに連絡" in step
    assert "自治体の運用設定" in step, step


def test_a_bystander_answering_a_restricted_step_is_told_no_not_all_done(runtime_factory: Callable[..., Runtime],
                                                                        sqlite_url: str) -> None:
    """A colleague without a role on a leak typed /done: 「すべての手順が終わっています」 (step 2 of 6 is open)."""
    runtime = runtime_factory(sqlite_url, escalation={"levels": []})
    chat = ConsoleChat(runtime.triage, USERS)
    chat.handle(f"/report --kind leak 職員の住所が投稿されています {URL}")
    chat.handle("/as other")
    chat.handle("/open 1")
    assert "権限" in chat.handle("/done spread_stopped=removed")


def test_an_empty_report_asks_for_text(runtime_factory: Callable[..., Runtime], sqlite_url: str) -> None:
    """/report with no text asked 「インシデントとして報告しますか？ 1. デマ（0%） 2. 情報漏えい（0%）」."""
    runtime = runtime_factory(sqlite_url, escalation={"levels": []})
    chat = ConsoleChat(runtime.triage, USERS)
    assert "0%" not in chat.handle("/report")


def test_check_warns_when_nobody_may_acknowledge(tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """app.yaml with only `profile: iwaki`: `check` says OK; every /ack is then refused, nothing can be closed."""
    import io

    from bot.main import run
    config = tmp_path / "app.yaml"
    config.write_text("profile: iwaki\n", encoding="utf-8")
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'cli.db'}")
    out = io.StringIO()
    run(["--config", str(config), "check"], stdout=out, stderr=out)
    assert "pr_members" in out.getvalue(), out.getvalue()


def test_guided_input_keeps_the_url_the_report_gave(runtime_factory: Callable[..., Runtime],
                                                    sqlite_url: str) -> None:
    """README: fields known from the report are filled in, 「確認するだけで進めます」. In the guided /done an empty
    line at post_url (known: the report's URL) asks again instead of keeping it."""
    runtime = runtime_factory(sqlite_url, profile="chikugo", escalation={"levels": []})
    chat = ConsoleChat(runtime.triage, USERS)
    chat.handle("市の公式アカウントを装った偽アカウントがあります https://x.com/fake/status/2")
    chat.handle("/done")
    out = chat.handle("")  # post_url kept: the next question is the platform, with the report's X to keep
    assert "（platform）" in out and "「X」のまま" in out, out


def test_one_bad_field_in_guided_input_loses_nothing_else(runtime_factory: Callable[..., Runtime],
                                                          sqlite_url: str) -> None:
    """Guided /done checks nothing until the end; one bad URL then throws away all eight answers and ends the
    guided mode (the next line becomes a note)."""
    runtime = runtime_factory(sqlite_url, profile="chikugo", escalation={"levels": []})
    chat = ConsoleChat(runtime.triage, USERS)
    chat.handle("市の公式アカウントを装った偽アカウントがあります https://x.com/fake/status/2")
    chat.handle("/done")
    out = ""
    for line in ("ｴｯｸｽ", "X", "", "", "中", "なし", "不明", "広報課"):
        out = chat.handle(line)
    assert chat.guided is not None or "【手順 2/" in out, out  # asked again for the URL, or finished


def test_a_flaming_report_naming_a_staff_member_s_address_is_restricted(runtime_factory: Callable[..., Runtime],
                                                                        sqlite_url: str) -> None:
    """「炎上しています。職員の山田太郎の住所が晒されています」 is classified flaming (0.88): the text, with the
    name, goes to the PR channel and the public thread until someone corrects the kind."""
    runtime = runtime_factory(sqlite_url, escalation={"levels": []})
    chat = ConsoleChat(runtime.triage, USERS)
    chat.handle(f"市の公式Xの投稿が炎上しています。職員の山田太郎の住所が晒されています {URL}")
    assert runtime.triage.queries.view(1, STAFF).restricted


def test_the_critical_severity_is_called_by_its_label(runtime_factory: Callable[..., Runtime],
                                                      sqlite_url: str) -> None:
    """「重大度が『中』から『最高』に変わりました。」 then 「重大度が『重大』になったため…」: two names for one level.
    (tests/security/test_roles_and_ending.py:225 asserts 「重大」 and must change with the fix.)"""
    runtime = runtime_factory(sqlite_url, escalation={"levels": []})
    chat = ConsoleChat(runtime.triage, USERS)
    chat.handle(f"市の公式Xの投稿が炎上しています {URL}")
    out = chat.handle(f"/done post_url={URL} spread=large press=yes personal_data=yes")
    assert "「最高」に変わりました" in out and "「重大」" not in out, out


def test_a_custom_name_given_only_in_japanese_is_not_replaced_by_the_parent_s_english(
        runtime_factory: Callable[..., Runtime], sqlite_url: str) -> None:
    """custom_profiles {extends: urausu, name: {ja: 例町}, sections.pr_section.name: {ja: 企画課}} with locale: en
    shows 「Urausu Town」 and 「General Affairs Division (総務課)」: another town's name and section."""
    custom = {"my": {"extends": "urausu", "name": {"ja": "例町"},
                     "sections": {"pr_section": {"name": {"ja": "企画課"}}}}}
    runtime = runtime_factory(sqlite_url, profile="my", locale="en", custom_profiles=custom,
                              escalation={"levels": []})
    chat = ConsoleChat(runtime.triage, USERS)
    out = chat.welcome() + chat.handle(f"/report --kind flaming Our post is being flamed {URL}")
    # The guideline it extends is still cited as Urausu's; the town and the section are its own.
    named = out.replace("Urausu Town guideline", "")
    assert "(例町, en)" in out and "Urausu Town" not in named and "総務課" not in out, out


@pytest.mark.parametrize(("text", "exposed"), [
    ("市の公式Xの投稿が炎上しています。職員の山田太郎の住所が晒されています", True),
    ("なりすましアカウントが市民の電話番号を晒しています", True),
    ("乗っ取られた市のアカウントから住民名簿が投稿されました", True),
    ("Our post is being flamed and someone posted the staff member's home address", True),
    ("山田さんの自宅が特定されています", True),
    ("市長の発言が炎上しています。個人情報は含まれていません", False),
    ("デマが拡散しています。避難所の住所が間違っています", False),
    ("個人情報が漏れていないか確認してください", False),
    ("No personal data was leaked", False),
    ("市の公式サイトに住所が載っています", False),
    ("「マイナンバーカードを作ると一万円」という文が貼られていますが誤りです", False),
    # Phone numbers (session 8 walk): a person's number is personal data; an office's published number is not.
    ("公式Xで田中一郎さん（090-1234-5678）への返信が炎上しています", True),
    ("引用投稿に苦情を入れた方の番号 08011112222 が書かれています", True),
    ("佐藤様 0166-22-3333 への対応について批判が集まっています", True),
    ("広報広聴課（0166-26-1111）に問い合わせが殺到しています", False),
    ("代表電話 0166-26-1111 への苦情が続いています", False),
    ("申請番号 1090123456789 の件で炎上しています", False),
    # A landline with a person named and said to be out (Teams walk s18 #4): the name and number reached PR's card.
    ("申請者の 旭川 花子 0166-22-2222 が晒されています", True),
    ("相談に来た住民の方の電話 0166-22-2222 がリプ欄に書き込まれています", True),
    ("代表電話 0166-26-1111 が偽アカウントのプロフィールに掲載されています", False),
    ("市民課（0166-25-5111）の番号がなりすましアカウントに載っています", False),
])
def test_personal_data_exposure_is_recognised(text: str, exposed: bool) -> None:
    """Personal data said to be exposed restricts a report whatever its kind; an office's address does not."""
    assert exposes_personal_data(text) is exposed


def test_a_restricted_flaming_tells_the_reporter_why(runtime_factory: Callable[..., Runtime], sqlite_url: str) -> None:
    """The reporter learns the incident is handled privately because personal data is exposed; PR gets no text."""
    runtime = runtime_factory(sqlite_url, escalation={"levels": []})
    outcome = runtime.triage.incidents.report(ReportInput(
        text=f"市の公式Xの投稿が炎上しています。職員の山田太郎の住所が晒されています {URL}",
        reporter=Actor(STAFF, "山田 花子", "console"), explicit=True))
    assert outcome.incident is not None and outcome.incident.restricted and outcome.incident.kind == "flaming"
    assert any("個人情報が晒されている" in m for m in outcome.messages)
    assert all("山田太郎" not in n.body and "山田太郎" not in n.title for n in outcome.notifications)
