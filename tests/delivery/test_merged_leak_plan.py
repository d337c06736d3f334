"""A leak report merged into an open ordinary incident restricts it (session 17 Slack walk #8): its plan redacts
the notices sent so far and takes the public conversation private, as a correction to a leak does; the fake port
and the real core (no platform)."""

from __future__ import annotations

from bot.delivery import content as c
from bot.delivery import plan
from bot.delivery.intake import after_report
from bot.wiring import Runtime
from tests.conftest import OTHER, STAFF
from tests.delivery.fake_port import FakePort
from tests.delivery.test_delivery_plan import FLAMING, PR_CH, REPORT_CH, make_runner, origin, report

VAGUE = FLAMING.format(n=8)  # the first report says nothing of personal data
LEAK = "個人情報が漏えいしています。山田太郎 090-1234-5678 が見えています https://x.com/someone/status/8"
NAME = "担当 山田"


def _vague_then_leak(runtime: Runtime, port: FakePort, key: str = "ev2"):
    """The vague report delivered in the report channel, then the leak report of the same post by a colleague."""
    first = report(runtime, VAGUE, key="ev1")
    assert first.incident is not None and not first.incident.restricted
    make_runner(runtime, port).run(plan.report(first, origin()))
    second = report(runtime, LEAK, user=OTHER, key=key)
    assert second.merged and second.incident is not None
    return second


def _shown(port: FakePort, start: int = 0) -> str:
    return " ".join(repr(s.content) for s in port.calls[start:])


def test_the_merge_that_restricts_redacts_and_moves_the_conversation_private(runtime: Runtime) -> None:
    """Before: a merged leak report left the thread public with the first report's intro and step, the PR notice
    with its text, and a count message."""
    port = FakePort()
    second = _vague_then_leak(runtime, port)
    steps = plan.report(second, origin(OTHER, "100.2"), reporter_name=NAME, home_is_private=False)
    names = [type(op).__name__ for op in steps.ops]
    assert names[:2] == ["UpdateNotices", "MovePrivate"], names  # redaction before anything is shown
    assert isinstance(steps.ops[0], plan.UpdateNotices) and isinstance(steps.ops[0].content, c.NoticeRedacted)
    assert "UpdateCount" not in names  # no count message in the public thread
    sent = len(port.calls)
    make_runner(runtime, port).run(steps)
    public = [s for s in port.calls[:sent] if s.method == "post" and s.place and s.place.channel == REPORT_CH]
    rewritten = {s.posted for s in port.calls[sent:] if s.method == "update"
                 and isinstance(s.content, c.PrivateLine)}
    assert {s.posted for s in public} <= rewritten  # every public post of the bot now says only the neutral line
    notice = [s.posted for s in port.calls[:sent] if s.method == "post" and s.place and s.place.channel == PR_CH]
    assert any(s.method == "update" and s.posted in notice and isinstance(s.content, c.NoticeRedacted)
               for s in port.calls[sent:])
    private = [s for s in port.calls[sent:] if s.method == "post" and s.place and s.place.channel == f"D-{STAFF}"]
    assert any(isinstance(s.content, c.Step) for s in private)  # the first reporter carries on in private
    assert any(isinstance(s.content, c.Texts) and "閲覧制限付きになりました" in " ".join(s.content.texts)
               for s in private)
    told = [s for s in port.calls[sent:] if s.method == "ephemeral" and s.user == OTHER]
    assert told and all(s.place and s.place.channel == REPORT_CH for s in told)
    assert "090" not in _shown(port) and "山田太郎" not in _shown(port)  # her text nowhere, public or private
    assert runtime.triage.queries.view(second.incident.id, STAFF).restricted


def test_a_private_home_is_not_moved_but_advised(runtime: Runtime) -> None:
    port = FakePort()
    second = _vague_then_leak(runtime, port)
    steps = plan.report(second, origin(OTHER, "100.2"), reporter_name=NAME, home_is_private=True)
    names = [type(op).__name__ for op in steps.ops]
    assert names[:2] == ["UpdateNotices", "Advise"] and "MovePrivate" not in names
    assert not any(isinstance(op, plan.Post) and isinstance(op.content, c.Step) for op in steps.ops)


def test_a_redelivered_merge_finishes_the_redaction_and_the_move_once(runtime: Runtime) -> None:
    """A crash after the core's commit: the redelivery (duplicate) redoes the idempotent part; run twice, the
    second run posts nothing new."""
    port = FakePort()
    _vague_then_leak(runtime, port)
    again = report(runtime, LEAK, user=OTHER, key="ev2")
    assert again.duplicate and again.became_restricted
    steps = plan.report(again, origin(OTHER, "100.2"), reporter_name=NAME, home_is_private=False)
    assert [type(op).__name__ for op in steps.ops][:2] == ["UpdateNotices", "MovePrivate"]
    make_runner(runtime, port).run(steps)
    posts = len([s for s in port.calls if s.method == "post"])
    make_runner(runtime, port).run(steps)
    assert len([s for s in port.calls if s.method == "post"]) == posts
    assert any(s.method == "post" and s.place and s.place.channel == f"D-{STAFF}" for s in port.calls)


def test_after_report_asks_the_adapter_only_for_a_merge_that_restricts(runtime: Runtime) -> None:
    port = FakePort()
    asked: list[object] = []
    first = report(runtime, FLAMING.format(n=3), key="f1")
    make_runner(runtime, port).run(plan.report(first, origin()))
    plain = report(runtime, FLAMING.format(n=3), user=OTHER, key="f2")

    def name_of(user: str) -> str:
        asked.append(user)
        return NAME

    def home_is_private(incident_id: int) -> bool:
        asked.append(incident_id)
        return False

    after = after_report(plain, origin(OTHER), answer=False, name_of=name_of, home_is_private=home_is_private)
    assert after.plan is not None and not asked and not any(isinstance(op, plan.MovePrivate) for op in after.plan.ops)
    second = _vague_then_leak(runtime, port, key="ev9")
    after = after_report(second, origin(OTHER, "100.2"), answer=False, name_of=name_of,
                         home_is_private=home_is_private)
    assert after.plan is not None and asked == [STAFF, second.incident.id]
    assert any(isinstance(op, plan.MovePrivate) and op.reporter_name == NAME for op in after.plan.ops)



def test_a_home_not_known_to_be_private_is_told_nothing(runtime: Runtime) -> None:
    """A caller that cannot tell where the conversation lives (a resume): redacted and advised only; the words
    that the incident holds personal data are not posted where the conversation may be public."""
    port = FakePort()
    second = _vague_then_leak(runtime, port)
    steps = plan.report(second, origin(OTHER, "100.2"))
    assert [type(op).__name__ for op in steps.ops][:2] == ["UpdateNotices", "Advise"]
    assert not any(isinstance(op, plan.Post) and op.where == plan.HOME for op in steps.ops)
