"""The neutral layout of a step (bot/delivery/layout.py): which lines, in which order, in the catalogue's words."""

from __future__ import annotations

from bot.delivery import layout
from bot.i18n import Catalog
from bot.ports import DraftView, InputSpec, StepView

STEP = StepView(incident_id=3, step_id="collect", index=2, total=5, title="投稿の記録", instructions="記録します。",
                citations=("旭川市 第3条", "総務省 3.2"), donts=("反論しない",), fallback_note="一般的な対応です",
                inputs=(InputSpec("kind", "種類", "choice", choices=(("a", "なりすまし"),)),
                        InputSpec("note", "メモ", "text")),
                drafts=(DraftView("apology", "お詫び文", "このたびは…\n"),), answers={"kind": "a"})


def test_a_pending_step_reads_heading_text_note_clauses_then_donts() -> None:
    t = Catalog.load("ja").t
    parts = layout.pending(STEP, t)
    assert [(p.kind, p.text, p.items) for p in parts] == [
        (layout.HEADING, "【手順 2/5】投稿の記録", ()), (layout.TEXT, "記録します。", ()),
        (layout.NOTE, "※ 一般的な対応です", ()), (layout.CITE, "根拠: 旭川市 第3条 / 総務省 3.2", ()),
        (layout.WARN, "してはいけないこと:", ("✕ 反論しない",))]
    bare = StepView(incident_id=3, step_id="s", index=1, total=1, title="t", instructions="i", citations=())
    assert [p.kind for p in layout.pending(bare, t)] == [layout.HEADING, layout.TEXT]


def test_a_closed_step_says_who_and_the_answers_as_shown() -> None:
    t = Catalog.load("ja").t
    done = layout.closed(STEP, "佐藤", "12月7日 10:00", t)
    assert [(p.kind, p.text) for p in done] == [(layout.HEADING, "【手順 2/5】投稿の記録"),
                                              (layout.STATUS, "✅ 完了（佐藤・12月7日 10:00）"),
                                              (layout.FACTS, "入力内容")]
    assert done[-1].facts == (("種類", "なりすまし"),)  # the choice's label; the unanswered input left out
    assert [(p.text, p.items) for p in layout.drafts(STEP, t)] == [("下書き「お詫び文」（コピーして使えます）",
                                                                  ("このたびは…\n",))]
