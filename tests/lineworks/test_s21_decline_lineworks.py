"""LINE WORKS walk s21: 対象外 told the reporter neither who declined the incident nor why; their 1:1 talk now reads
both, for an incident in progress too (Teams walk s21 #9)."""

from __future__ import annotations

from bot.ports import Actor
from bot.triage import lifecycle
from tests.lineworks.harness import PR, STAFF, LwEnv, text_of
from tests.lineworks.test_lineworks_scenarios import REPORTS

REASON = "職員研修の訓練用の投稿でした"


def test_the_reporters_talk_reads_who_declined_it_and_why(lw: LwEnv) -> None:
    lw.say(STAFF, REPORTS["flaming"])
    [view] = lw.runtime.triage.queries.list(None)
    triage = lw.runtime.triage
    step = triage.steps.current(view.id, view.reporter_id)
    assert step is not None
    triage.steps.complete(view.id, step.step_id, Actor(view.reporter_id, "山田", "lineworks"), skip=True)
    assert triage.queries.view(view.id, None).status == lifecycle.RESPONDING
    lw.say(PR, f"対象外 {view.ref} {REASON}")
    assert triage.queries.view(view.id, None).status == lifecycle.DECLINED
    told = text_of(lw.to_user(STAFF)[-1])
    assert f"{view.ref} は" in told and "さんが「対象外」にしました" in told and f"理由: {REASON}" in told
