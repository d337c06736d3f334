"""`leaves_alone`, the gate's early answer, agrees with the core's report() on every corpus line and edge text."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest

from bot.delivery import plan
from bot.delivery.content import Place
from bot.delivery.intake import after_report, leaves_alone
from bot.ports import Actor, ReportInput
from bot.triage.classifier_model import Thresholds
from bot.triage.classify import Classifier
from bot.triage.service import Triage
from bot.wiring import Runtime
from tests.conftest import STAFF

CORPUS = Path(__file__).resolve().parents[1] / "data" / "classifier_corpus.jsonl"
REPORTER = Actor(STAFF, "山田 花子", "test")
ORIGIN = plan.Origin("message", Place("C_REPORT", "1.0"), STAFF, "山田 花子", public=True)
CHATTER = "今日のお昼はどこに行きますか"
FLAMING = "市の公式Xの投稿が炎上しています。批判のリプライが殺到中です"


def _corpus() -> list[str]:
    return [json.loads(line)["text"] for line in CORPUS.read_text(encoding="utf-8").splitlines() if line.strip()]


def _edge_texts() -> list[str]:
    return ["", "   ", CHATTER, FLAMING, "\ud800" + FLAMING, FLAMING + "\x00",
            CHATTER * 3000 + FLAMING * 10, FLAMING * 10 + CHATTER * 3000]  # longer than the core keeps


def _nothing_follows(triage: Triage, text: str) -> bool:
    """What the core and the intake rules make of a channel post: True when nothing is stored, asked or said."""
    outcome = triage.incidents.report(ReportInput(text, REPORTER, idempotency_key=f"k{hash(text)}"))
    after = after_report(outcome, ORIGIN, answer=False)
    return outcome.incident is None and after.ask is None and not after.words and after.plan is None


@pytest.mark.parametrize("thresholds", [None, Thresholds(report=1.01, chatter=0.0),
                                        Thresholds(report=1.01, chatter=1.01)], ids=["model", "unsure", "chatter"])
def test_leaves_alone_is_what_the_core_does_with_a_channel_post(runtime: Runtime,
                                                              thresholds: Thresholds | None) -> None:
    classifier = runtime.triage.deps.classifier
    if thresholds is not None:
        classifier = Classifier(classifier.model, thresholds)
    triage = Triage(dataclasses.replace(runtime.triage.deps, classifier=classifier))
    texts = _corpus()[::3] + _edge_texts()
    verdicts = {text: leaves_alone(classifier, text) for text in texts}
    assert {text: _nothing_follows(triage, text) for text in texts} == verdicts
    if thresholds is None:  # the real model both leaves posts alone and takes some up
        assert any(verdicts.values()) and not all(verdicts.values())
