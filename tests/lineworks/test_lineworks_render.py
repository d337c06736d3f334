"""Rendering every step of every playbook, prompts and notices within LINE WORKS' limits."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.adapters.lineworks import postback as pb
from bot.adapters.lineworks.render import LABEL_LIMIT, QUICK_REPLY_LIMIT, Renderer, load_texts
from bot.i18n import Catalog
from bot.ports import DraftView, IncidentView, InputSpec, Notification, StepView
from bot.triage.playbook import PlaybookLibrary
from bot.triage.profiles import Profile
from bot.triage.templating import sample_context
from tests.lineworks.limits import problems

PLAYBOOKS = Path(__file__).resolve().parents[2] / "playbooks"


def renderer(library: PlaybookLibrary, locale: str = "ja") -> Renderer:
    return Renderer(Catalog.load(locale), library.kinds())


def all_steps(library: PlaybookLibrary, profiles: dict[str, Profile], locale: str = "ja"):
    """(kind, StepView) for every applicable step of every kind and profile, with every input answered."""
    for kind in library.kinds():
        playbook = library.playbook(kind)
        answers = {item.id: (item.choices[0].value if item.choices else "https://example.jp/a")
                   for item in playbook.inputs()}
        for profile in profiles.values():
            context = sample_context(kind, playbook.title(locale), answers) | {"locale": locale}
            steps = library.applicable_steps(kind, profile, context)
            for index, step in enumerate(steps, start=1):
                shown = library.render_step(kind, step.id, profile, context, locale)
                yield kind, StepView(incident_id=42, step_id=shown.step_id, index=index, total=len(steps),
                                     title=shown.title, instructions=shown.instructions,
                                     citations=shown.citations, donts=shown.donts,
                                     fallback_note=shown.fallback_note, inputs=shown.inputs, drafts=shown.drafts,
                                     answers={i.id: answers[i.id] for i in shown.inputs if i.id in answers})


def presses(content: dict) -> list[pb.Postback]:
    return [pb.decode(item["action"]["data"]) for item in content.get("quickReply", {}).get("items", [])]


@pytest.mark.parametrize("locale", ["ja", "en"])
def test_every_step_of_every_playbook_fits(library: PlaybookLibrary, profiles: dict[str, Profile],
                                           locale: str) -> None:
    render = renderer(library, locale)
    count = 0
    for kind, step in all_steps(library, profiles, locale):
        contents = render.step(step, kind)
        for content in contents:
            assert problems(content) == [], (kind, step.step_id, problems(content))
        assert contents[0]["type"] == "flex" and step.title in contents[0]["altText"]
        copied = "\n".join(c["text"] for c in contents[1:])
        assert all(c["type"] == "text" for c in contents[1:])
        assert all(d.title in copied and d.text.strip()[:40] in copied for d in step.drafts)
        assert all("quickReply" not in c for c in contents[:-1])  # only the latest message keeps buttons
        buttons = presses(contents[-1])
        assert [b.action for b in buttons[-2:]] == [pb.DONE, pb.SKIP]
        assert all(b.step_ref.encode() == f"42|{kind}|{step.step_id}" for b in buttons)
        assert [b.field for b in buttons if b.action == pb.INPUT] == [i.id for i in step.inputs][:11]
        for item in step.inputs:
            prompt = render.input_prompt(step, kind, item)
            assert problems(prompt) == [], (kind, step.step_id, item.id)
            choices = [b for b in presses(prompt) if b.action == pb.CHOICE]
            assert [item.choices[b.index][0] for b in choices] == [v for v, _ in item.choices][:12]
            assert presses(prompt)[-1].action == pb.CANCEL
        count += 1
    assert count > 40  # five kinds, four profiles


def test_a_step_card_carries_what_the_core_said(library: PlaybookLibrary) -> None:
    render = renderer(library)
    step = StepView(incident_id=7, step_id="collect", index=2, total=5, title="投稿の記録",
                    instructions="投稿のURLと画面の写しを記録します。", citations=("旭川市 第3条",),
                    donts=("投稿者に直接反論しない",), fallback_note="一般的な対応です",
                    inputs=(InputSpec("source_url", "投稿のURL", "url", required=True),),
                    drafts=(DraftView("apology", "お詫び文", "このたびは…\n"),),
                    answers={"source_url": "https://x.com/a/status/1"})
    refusal = "「投稿のURL」は http:// または https:// で始まるURLを入力してください。"
    card, draft = render.step(step, "flaming", error=refusal)
    texts = [c["text"] for c in card["contents"]["body"]["contents"]]
    assert texts[0] == "【手順 2/5】投稿の記録"
    assert "根拠: 旭川市 第3条" in texts and "✕ 投稿者に直接反論しない" in texts and "※ 一般的な対応です" in texts
    assert "・投稿のURL: https://x.com/a/status/1" in texts
    assert any(t.startswith("「投稿のURL」は http://") for t in texts)
    assert draft["text"].startswith("下書き「お詫び文」（コピーして使えます）") and "このたびは…" in draft["text"]
    labels = [i["action"]["label"] for i in draft["quickReply"]["items"]]
    assert labels == ["入力: 投稿のURL", "完了（INC-0007）", "スキップ（INC-0007）"]  # named: they may be carried
    prompt = render.input_prompt(step, "flaming", step.inputs[0])
    assert prompt["text"].splitlines()[:3] == ["INC-0007: 「投稿のURL」（必須）を入力して送信してください。",
                                              "http:// または https:// で始まるURLを送ってください。",
                                              "現在の入力: https://x.com/a/status/1"]


def test_limits_hold_for_oversized_content(library: PlaybookLibrary) -> None:
    render = renderer(library)
    inputs = tuple(InputSpec(f"f{n}", f"とても長い入力項目の名前その{n}です", "text") for n in range(15))
    step = StepView(incident_id=1, step_id="big", index=1, total=1, title="長" * 500, instructions="あ" * 5000,
                    citations=("条" * 3000,), inputs=inputs, drafts=(DraftView("d", "下書き", "い" * 4500),))
    contents = render.step(step, "flaming")
    assert [problems(c) for c in contents] == [[]] * len(contents)
    assert len(contents) == 4  # card, then the draft in three pieces of at most 2,000 characters
    assert len(contents[-1]["quickReply"]["items"]) == QUICK_REPLY_LIMIT
    card_texts = [c["text"] for c in contents[0]["contents"]["body"]["contents"]]
    assert any("ボタンにない項目" in t for t in card_texts)
    assert all(len(m["text"]) <= 2000 for m in render.messages(["う" * 4100, "え\n" * 1500]))
    many = InputSpec("choice", "選択", "choice", choices=tuple((f"v{n}", f"選択肢{n}") for n in range(20)))
    prompt = render.input_prompt(replace(step, inputs=(many,)), "flaming", many)
    assert problems(prompt) == [] and len(prompt["quickReply"]["items"]) == QUICK_REPLY_LIMIT


def test_intro_offers_the_other_kinds(library: PlaybookLibrary) -> None:
    render = renderer(library)
    contents = render.intro(["INC-0042 を受け付けました。"], 42, "flaming")
    assert [problems(c) for c in contents] == [[]] * len(contents)
    offered = presses(contents[-1])
    assert {p.kind for p in offered} == set(library.kinds()) - {"flaming"}
    assert all(p.action == pb.KIND and p.incident_id == 42 for p in offered)


def test_notices_and_their_acknowledgement(library: PlaybookLibrary) -> None:
    render = renderer(library)
    note = Notification(incident_id=42, audience="pr_section", level=2, section_name="広報", mention=None,
                        title="【再通知 2】INC-0042（炎上）", body="報告者: 担当職員\n投稿: https://x.com/a/status/1")
    [notice] = render.notification(note)
    assert problems(notice) == [] and notice["altText"].startswith("【再通知 2】INC-0042")
    [ack] = presses(notice)
    assert (ack.action, ack.incident_id, ack.level) == (pb.ACK, 42, 2)
    assert notice["quickReply"]["items"][0]["action"]["label"].startswith("確認しました（INC-")
    [plain] = render.notification(replace(note, acknowledgeable=False))
    assert "quickReply" not in plain
    view = IncidentView(id=42, ref="INC-0042", kind="leak", kind_label="情報漏えい", status="acknowledged",
                        status_label="確認済み", severity="critical", severity_label="重大", restricted=True,
                        details_visible=False, reporter_id="u1", reporters=("u1",), text=None, source_url=None,
                        platform=None, department=None, created_at=datetime(2026, 12, 5, tzinfo=UTC),
                        acknowledged_at=None, acknowledged_by=None, resolved_at=None, profile="asahikawa")
    [home] = render.anchor(view, "担当職員")
    assert home["text"].startswith("INC-0042（情報漏えい）の報告を受け付けました。報告者: 担当職員。")
    assert "1対1のトーク" in render.anchored(view)[0]["text"]
    [done] = render.acknowledged(view, "広報 太郎", "2026-12-05 10:03")
    assert done["text"] == "✅ INC-0042 を 広報 太郎 さんが確認しました（2026-12-05 10:03）"
    assert "転送・引用しないでください" in render.restricted_now(view)[0]["text"]


def test_closed_and_superseded_steps_are_new_messages(library: PlaybookLibrary) -> None:
    render = renderer(library)
    step = StepView(incident_id=1, step_id="s", index=1, total=3, title="拡散状況の確認", instructions="…",
                    citations=(), inputs=(InputSpec("spread", "拡散の程度", "choice",
                                                    choices=(("large", "大きい"), ("small", "小さい"))),),
                    status="done", answers={"spread": "large"})
    [closed] = render.step_closed(step, "担当職員", "2026-12-05 10:00")
    assert closed["text"].splitlines() == ["✅ 【手順 1/3】拡散状況の確認 — 完了（担当職員・2026-12-05 10:00）",
                                           "入力内容", "・拡散の程度: 大きい"]
    [skipped] = render.step_closed(replace(step, status="skipped", answers={}), "担当職員", "10:01")
    assert skipped["text"].startswith("⏭")
    assert "使われなくなりました" in render.step_superseded(step)[0]["text"]
    assert "1対1のトーク" in render.help()[0]["text"]
    assert render.input_saved(step.inputs[0], 1)[0]["text"] == "INC-0001: 「拡散の程度」を記録しました。"
    assert render.input_cancelled()[0]["text"].startswith("入力をやめました")
    assert "最新のメッセージのボタン" in render.bad_action()[0]["text"]
    assert "トークルームにボットを招待してください）" in render.failure("FORBIDDEN")[0]["text"]  # a known code in words
    assert "（SOMETHING_NEW）" in render.failure("SOMETHING_NEW")[0]["text"]
    english = renderer(library, "en")
    assert english.step_closed(step, "Staff", "10:00")[0]["text"].startswith("✅ [Step 1/3]")


def test_both_locales_define_the_same_wording_and_every_key_used() -> None:
    ja, en = load_texts("ja"), load_texts("en")
    assert set(ja) == set(en)
    source = "".join(p.read_text(encoding="utf-8") for p in (PLAYBOOKS.parent / "bot/adapters/lineworks").glob("*.py"))
    used = set(re.findall(r'\bw\(\s*"([a-z_]+(?:\.[a-z_]+)*)"', source))
    used |= set(re.findall(r'"((?:input|step)\.[a-z_]+)" (?:if|else)\b', source))  # keys picked by a condition
    used |= set(re.findall(r'\belse "((?:input|step)\.[a-z_]+)"', source))
    used.add("grant_who")  # looked up as "<platform>.grant_who" by bot/delivery/command_run.py (not_a_person)
    used.add("usage_grant")  # handlers.words: LINE WORKS' own commands.usage_grant
    # bot/delivery/refusals.py api_text: "<platform>.error.api", with "<platform>.error.code.<code>" for known codes
    used |= {"error.api"} | {key for key in ja if key.startswith("error.code.")}
    assert used == set(ja), (sorted(used - set(ja)), sorted(set(ja) - used))  # none missing, none dead
    fields = re.compile(r"{(\w+)}")
    for key in ja:
        assert set(fields.findall(ja[key])) == set(fields.findall(en[key])), key


LONG = "Whose post is drawing the criticism?"


def test_english_quick_reply_labels_keep_whole_words(library: PlaybookLibrary) -> None:
    """Session 11 walk F: 「Enter: URL of the p…」, 「Mark INC-0001 resol…」, 「Report it as a new …」, 「Enter cause
    and pre…」: the catalogue's labels fit the 20 characters; a playbook's long label loses whole words only."""
    catalog = Catalog.load("en")
    for key in ("report.new_choice", "report.reopen_choice", "report.decline", "records.review.button",
                "lineworks.pr.end", "lineworks.pr.acknowledge", "lineworks.ask.note", "lineworks.input.cancel",
                "lineworks.review.blank", "lineworks.review.stop", "lineworks.step.done", "lineworks.step.skip"):
        label = catalog.t(key, ref="INC-9999") if "{ref}" in catalog.t(key, ref="{ref}") else catalog.t(key)
        assert len(label) <= LABEL_LIMIT, (key, label)
    render = renderer(library, "en")
    item = InputSpec(id="post_url", label="URL of the post", type="url")
    step = StepView(incident_id=1, step_id="s1", index=1, total=2, title="Record", instructions="…", citations=(),
                    inputs=(item, replace(item, id="extent", label=LONG)))
    labels = [entry["action"]["label"] for entry in render.step_controls(step, "leak")]
    assert "URL of the post" in labels[0], labels
    cut = labels[1]
    assert cut.endswith("…") and len(cut) <= LABEL_LIMIT and cut[:-1].rstrip().split()[-1] in LONG.split(), labels


def test_the_acknowledge_control_says_who_may_press_it(library: PlaybookLibrary) -> None:
    """Session 11 walk B: security pressed 確認しました in the restricted room and was refused; the room shows the
    control to everyone, so the notice says whose it is (the core still decides)."""
    render = renderer(library)
    note = Notification(incident_id=42, audience="pr_section", level=1, section_name="広報", mention=None,
                        title="【情報漏えい】INC-0042", body="報告者: 担当職員")
    [notice] = render.notification(note)
    assert "「確認しました」を押せるのは広報として登録された職員です" in str(notice)
    [plain] = render.notification(replace(note, acknowledgeable=False))
    assert "押せるのは" not in str(plain)


def test_an_english_fallback_note_reads_as_on_slack_and_teams(library: PlaybookLibrary) -> None:
    """The 「※」 note of a step no clause covers is one shared wording (bot/delivery/layout.py), 'Note: …' in English
    on every platform; LINE WORKS had its own '* …', which read as a stray bullet."""
    step = StepView(incident_id=1, step_id="s", index=1, total=1, title="Record", instructions="Do it.", citations=(),
                    fallback_note="general practice")
    [card] = renderer(library, "en").step(step, "flaming")
    assert "Note: general practice" in [c["text"] for c in card["contents"]["body"]["contents"]]
