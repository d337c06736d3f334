"""Session 21 CPU (2): the personal-data cues skip scans that cannot match, with the same verdicts."""

from __future__ import annotations

import json
import random
import re
import unicodedata
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event, select

from bot.delivery.inbox import Inbox, _Batch
from bot.ports import ReportInput
from bot.triage import privacy_cues as pc
from bot.triage import step_count
from bot.triage.playbook import PlaybookLibrary
from bot.wiring import Runtime
from storage.db import make_engine, migrate
from storage.models import InboxDelivery
from tests.conftest import STAFF
from tests.test_step_count import ALWAYS, REPORTER, TEXTS, _walk

DATA = Path(__file__).parent / "data"


def _reference(text: str) -> bool:
    """The verdict as it was before the gates: every scan run on every sentence."""
    folded = pc._NOT_DATA.sub("〇〇", pc._QUOTED.sub(pc._topic_only, unicodedata.normalize("NFKC", text)))
    folded = pc._OFFICE_EN.sub("the office's contact", folded)
    astray = bool(pc._ASTRAY_JA.search(folded) or pc._EN_ASTRAY.search(folded))
    lost = bool(pc._OUT_LOST.search(folded))
    private = bool(pc._PRIVATE_ACCOUNT.search(folded) or pc._EN_PRIVATE.search(folded))
    for sentence in pc._SENTENCES.split(folded):
        if pc._DENIED_JA.search(sentence) or pc._CAUTION_JA.search(sentence) or pc._ASKED_JA.search(sentence):
            continue
        if lost and pc._JA_HELD.search(sentence) and (pc._JA_PERSON.search(sentence)
                                                       or pc._JA_RECORD_ONLY.search(sentence)):
            return True
        if pc._japanese(sentence, astray=astray, private=private) or pc._numbers(sentence.translate(pc._KANJI_DIGITS)):
            return True
        if pc._english(sentence, astray=astray, private=private):
            return True
    return False


def _texts() -> list[str]:
    texts = []
    for path in [DATA / "classifier_corpus.jsonl", *sorted(DATA.glob("privacy_*.jsonl")),
                 *sorted((DATA / "corpus").glob("*.jsonl"))]:
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip() and isinstance(row := json.loads(line), dict) and isinstance(row.get("text"), str):
                texts.append(row["text"])
    return texts


# Pieces that sit on the gates' edges: out-words, data words, digits in three scripts, letters IGNORECASE takes
# (K ſ ı İ), sentence ends, quotes and negations.
PIECES = ["晒されています", "拡散", "が出ています", "が出て", "漏れ", "名簿", "住所", "申請者の", "田中さん",
          "090-1234-5678", "〇九〇ー一二三四ー五六七八", "0166-23-4567", "マイナンバー 1234 5678 9012", "１２３４",
          "leaked", "addreſs", "Kase", "lıst", "İ", "the resident's phone number was posted", "。", ". ", "\n", "！",
          "「個人情報を売るのか」", "ていません", "ないよう", "誤送信", "紛失", "入っています", "個人のSNS",
          "患者", "K", "ſ", "PDF", "HPに入って", "ではなく", "落とし", "名前が写って", "がっ", "出"]


def _fuzz(texts: list[str], count: int = 4000) -> list[str]:
    rng = random.Random(2112)
    made = []
    for _ in range(count):
        parts: list[str] = []
        for _ in range(rng.randint(1, 6)):
            if rng.random() < 0.5:
                text = rng.choice(texts)
                start = rng.randrange(len(text) + 1)
                parts.append(text[start:start + rng.randint(0, 40)])
            else:
                parts.append(rng.choice(PIECES))
        made.append("".join(parts))
    return made


def test_the_gated_verdicts_equal_the_full_scans_over_every_test_text_and_a_fuzz_set() -> None:
    texts = _texts()
    assert len(texts) > 5000
    differ = [text for text in texts + _fuzz(texts) if pc.exposes_personal_data(text) != _reference(text)]
    assert differ == []


class _Counting:
    """A compiled pattern that counts its searches."""

    def __init__(self, pattern: re.Pattern[str]) -> None:
        self.pattern, self.calls = pattern, 0

    def search(self, *args: Any) -> re.Match[str] | None:
        self.calls += 1
        return self.pattern.search(*args)


@pytest.mark.parametrize("name", ["_EN_STRONG", "_EN_PERSON", "_EN_ADDRESS", "_EN_ASTRAY", "_EN_PRIVATE",
                                  "_MOBILE", "_MY_NUMBER", "_JA_RECORD", "_JA_DETAIL", "_CAUTION_JA",
                                  "_JA_OUT_SHORT"])
def test_a_japanese_report_with_no_out_word_letter_or_digit_skips_the_scans_that_need_one(
        monkeypatch: pytest.MonkeyPatch, name: str) -> None:
    counting = _Counting(getattr(pc, name))
    monkeypatch.setattr(pc, name, counting)
    text = "市の公式アカウントの投稿に批判のコメントが集中しています。どう対応すればよいでしょうか"
    assert pc.exposes_personal_data(text) is False
    assert counting.calls == 0


def test_an_out_word_a_letter_and_a_digit_still_get_their_scans() -> None:
    assert pc.exposes_personal_data("申請者の名簿がXに晒されています")
    assert pc.exposes_personal_data("The resident's home address was posted online")
    assert pc.exposes_personal_data("田中さんの携帯 090-1234-5678 です")


# -- the step count takes the applicable steps its caller just worked out ----------------------------------------

def test_showing_the_current_step_builds_its_context_for_the_playbook_twice_not_three_times(
        runtime_factory: Callable[..., Runtime], sqlite_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    runtime = runtime_factory(sqlite_url)
    outcome = runtime.triage.incidents.report(ReportInput(TEXTS["flaming"], REPORTER, kind_hint="flaming",
                                                          explicit=True))
    assert outcome.incident is not None
    seen: Counter[int] = Counter()
    real = PlaybookLibrary.context

    def spying(self: PlaybookLibrary, kind: str, profile: Any, context: Any, locale: str) -> dict[str, Any]:
        seen[id(context)] += 1
        return real(self, kind, profile, context, locale)

    monkeypatch.setattr(PlaybookLibrary, "context", spying)
    assert runtime.triage.steps.current(outcome.incident.id, STAFF) is not None
    # applicable_steps and render_step; the count's trials build contexts of their own (seen once each).
    assert max(seen.values()) == 2


@pytest.mark.parametrize("profile", ["asahikawa", "urausu", "iwaki", "chikugo"])
def test_the_count_with_the_callers_applicable_steps_equals_the_count_worked_out_again(
        runtime_factory: Callable[..., Runtime], sqlite_url: str, monkeypatch: pytest.MonkeyPatch,
        profile: str) -> None:
    real = step_count.counted
    given = []

    def checking(library: PlaybookLibrary, kind: str, prof: Any, context: Any, states: Any,
                 applicable: Any = None) -> list[str]:
        shown = real(library, kind, prof, context, states, applicable)
        if applicable is not None:
            given.append(kind)
            assert shown == real(library, kind, prof, context, states)
        return shown

    monkeypatch.setattr(step_count, "counted", checking)
    for kind in sorted(TEXTS):
        for pick in (0, -1):
            runtime = runtime_factory(sqlite_url.replace("test.db", f"{profile}{kind}{pick}.db"), profile=profile,
                                      escalation=ALWAYS)
            assert _walk(runtime, kind, pick)
    assert set(given) == set(TEXTS)


# -- the inbox deletes finished rows with one statement built once -------------------------------------------------

def test_the_inbox_deletes_finished_rows_with_one_sql_text_whatever_their_number(database_url: str) -> None:
    engine = make_engine(database_url)
    migrate(engine)
    try:
        inbox = Inbox(engine, "slack", lambda body: True)
        other = Inbox(engine, "teams", lambda body: True)
        stored = _Batch()
        stored.rows = [(f"E{n}", "{}", datetime.now(UTC)) for n in range(1, 5)]
        assert inbox._write(stored) == {"E1", "E2", "E3", "E4"}
        assert other._write(stored) == {"E1", "E2", "E3", "E4"}
        sql: list[str] = []

        def seen(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
            if statement.lstrip().upper().startswith("DELETE"):
                sql.append(statement)

        event.listen(engine, "before_cursor_execute", seen)
        for keys in (["E1"], ["E2", "E3"]):
            deleting = _Batch()
            deleting.deletes = keys
            inbox._write(deleting)
        event.remove(engine, "before_cursor_execute", seen)
        assert len(set(sql)) == 1 and " IN " not in sql[0].upper(), sql
        with engine.connect() as connection:
            left = connection.execute(select(InboxDelivery.platform, InboxDelivery.key)
                                      .order_by(InboxDelivery.platform, InboxDelivery.key)).all()
        assert [tuple(row) for row in left] == [("slack", "E4"), ("teams", "E1"), ("teams", "E2"), ("teams", "E3"),
                                                ("teams", "E4")]
    finally:
        engine.dispose()
