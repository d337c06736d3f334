"""【手順 n/N】: N counts the steps that apply or may yet apply, so it never grows as the reporter answers (walk s17
#15: a leak's 【手順 5/5】 was followed by 【手順 6/6】, and 1/6 by 2/5 by 6/6, on every built-in profile)."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from bot.ports import Actor, ReportInput, StepView
from bot.wiring import Runtime
from tests.conftest import STAFF
from tests.helpers import POST_URL

REPORTER = Actor(STAFF, "山田 花子", "test")
TEXTS = {
    "leak": f"市の公式Xで申請者の氏名と電話番号が公開されてしまっています。個人情報の漏えいです {POST_URL}",
    "flaming": f"市の公式Xの投稿が炎上しています。批判のリプライが殺到しています {POST_URL}",
    "misinformation": f"市についてのデマが拡散されています。事実と異なる情報です {POST_URL}",
}
ALWAYS = {"office_hours": {"always_for_severities": ["low", "medium", "high", "critical"]}}


def _answers(step: StepView, pick: int) -> dict[str, str]:
    answers = {}
    for item in step.inputs:
        if item.type == "url":
            answers[item.id] = POST_URL
        elif item.choices:
            answers[item.id] = [value for value, _ in item.choices][pick]
        elif item.type == "platform":
            answers[item.id] = "x"
        else:
            answers[item.id] = "確認した内容"
    return answers


def _walk(runtime: Runtime, kind: str, pick: int) -> list[tuple[int, int]]:
    outcome = runtime.triage.incidents.report(ReportInput(TEXTS[kind], REPORTER, kind_hint=kind, explicit=True))
    assert outcome.incident is not None
    seen = []
    for _ in range(20):
        step = runtime.triage.steps.current(outcome.incident.id, STAFF)
        if step is None:
            return seen
        seen.append((step.index, step.total))
        runtime.triage.steps.complete(outcome.incident.id, step.step_id, REPORTER, answers=_answers(step, pick))
    raise AssertionError(f"{kind}: the steps never ended: {seen}")


@pytest.mark.parametrize("profile", ["asahikawa", "urausu", "iwaki", "chikugo"])
@pytest.mark.parametrize("kind", sorted(TEXTS))
def test_the_step_count_never_grows_and_ends_on_the_last(runtime_factory: Callable[..., Runtime], sqlite_url: str,
                                                         profile: str, kind: str) -> None:
    for pick in (0, -1):  # the first choice of every input, then the last: different conditional steps appear
        runtime = runtime_factory(sqlite_url.replace("test.db", f"{profile}{kind}{pick}.db"), profile=profile,
                                  escalation=ALWAYS)
        seen = _walk(runtime, kind, pick)
        assert [index for index, _ in seen] == list(range(1, len(seen) + 1)), seen
        totals = [total for _, total in seen]
        assert totals == sorted(totals, reverse=True), f"{profile} {kind} pick {pick}: the count grew: {seen}"
        assert seen[-1][0] == seen[-1][1], f"the last step is not shown as the last: {seen}"
