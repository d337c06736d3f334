"""A colleague's reply in an ordinary incident's public thread that exposes personal data (session 21 Teams walk #6):
the incident restricted in one transaction, PR's card redacted, the thread moved private, the replier advised
privately; nothing of the reply's text stored or shown anywhere, and nothing done twice."""

from __future__ import annotations

from bot.delivery import content as c
from bot.delivery import plan
from bot.delivery.content import Place
from bot.delivery.edits import record_reply, reply_plan
from bot.ports import Actor, ConversationRef, ReportInput
from bot.triage.core import reporter_roles
from bot.triage.state_check import check_state
from bot.wiring import Runtime
from tests.conftest import OTHER, PR, STAFF
from tests.delivery.fake_port import FakePort
from tests.delivery.test_delivery_plan import FLAMING, PR_CH, REPORT_CH, make_runner, origin

REPLIER = "slack:U_BYSTANDER"
LEAKY = "申請者は山田太郎さん、090-1234-5678、住所は旭川市1条通1丁目です"
SECRETS = ("山田太郎", "090-1234-5678", "1条通")


class DmPort(FakePort):
    """A port whose private conversations are the DMs ("D-…")."""

    def is_private(self, channel: str) -> bool:
        return channel.startswith("D-")


def _reported(runtime: Runtime, port: FakePort, n: int = 2131):  # noqa: ANN202
    ts = f"{n}.1"
    outcome = runtime.triage.incidents.report(ReportInput(
        FLAMING.format(n=n), Actor(STAFF, "山田 花子", "fake"), idempotency_key=f"ev{n}", explicit=True,
        conversation=ConversationRef("fake", REPORT_CH, ts)))
    assert outcome.incident is not None and not outcome.incident.restricted
    runner = make_runner(runtime, port)
    assert runner.run(plan.report(outcome, origin(ts=ts))).failures == []
    return runner, outcome.incident.id, ts


def _reply(runtime: Runtime, ts: str, text: str = LEAKY, who: str = REPLIER, reply: str = "2131.5"):  # noqa: ANN202
    return record_reply(runtime.triage, "fake", REPORT_CH, ts, reply, Actor(who, "佐藤 次郎", "fake"), text)


def _no_secret(value: object) -> bool:
    return not any(secret in repr(value) for secret in SECRETS)


def test_a_leaky_reply_restricts_the_incident_once_without_keeping_its_text(runtime: Runtime) -> None:
    port = DmPort()
    _, incident_id, ts = _reported(runtime, port)
    replied = _reply(runtime, ts)
    assert replied is not None and replied.outcome.became_restricted and not replied.outcome.duplicate
    view = runtime.triage.queries.view(incident_id, PR)
    assert view.restricted and view.kind == "flaming"  # the kind stays PR's to correct
    timeline = runtime.triage.queries.timeline(incident_id, None)
    [restricted] = [e for e in timeline if e.type == "restricted"]
    assert restricted.data.get("via") == "reply" and restricted.data.get("by_report")
    assert restricted.actor == REPLIER and "fake|C_REPORT|2131.5" in repr(restricted.data)
    assert all(_no_secret(event) for event in timeline)  # THAT it happened, not what the reply said
    [note] = [n for n in replied.outcome.notifications if n.title.startswith("【閲覧制限】")]
    assert "返信" in note.title and "佐藤 次郎" in note.body and "種別を「情報漏えい」に訂正" in note.body
    assert _no_secret(replied.outcome.notifications) and replied.told is not None and _no_secret(replied.told)
    assert "返信は個人情報を含む" in replied.told and "削除してください" in replied.told
    assert "情報漏えいの案件" not in replied.told  # a bystander is not told a kind (it stays 炎上 here)
    again = _reply(runtime, ts)  # redelivered, or delivered to a second instance
    assert again is not None and again.outcome.duplicate and again.outcome.became_restricted
    assert again.outcome.notifications == () and again.told is None  # PR and the replier told once
    assert [e.type for e in runtime.triage.queries.timeline(incident_id, None)].count("restricted") == 1
    with runtime.triage.deps.sessions() as session:
        assert check_state(session) == []  # the hash chain replays the restriction


def test_a_reply_without_personal_data_does_nothing_new(runtime: Runtime) -> None:
    port = DmPort()
    _, incident_id, ts = _reported(runtime, port)
    before = runtime.triage.queries.timeline(incident_id, None)
    assert _reply(runtime, ts, "引用リポストも増えてきました。広報に確認します") is None
    assert not runtime.triage.queries.view(incident_id, PR).restricted
    assert runtime.triage.queries.timeline(incident_id, None) == before


def test_a_leaky_reply_elsewhere_or_in_a_restricted_thread_restricts_nothing_new(runtime: Runtime) -> None:
    port = DmPort()
    _, incident_id, ts = _reported(runtime, port)
    assert record_reply(runtime.triage, "fake", REPORT_CH, "9999.1", "9999.2", Actor(REPLIER, "佐藤", "fake"),
                        LEAKY) is None  # no incident's thread
    assert _reply(runtime, ts) is not None
    assert _reply(runtime, ts, reply="2131.9") is None  # restricted already: privacy.py advises that replier


def test_roles_follow_the_restriction_rules_and_the_replier_gets_none(runtime: Runtime) -> None:
    port = DmPort()
    _, incident_id, ts = _reported(runtime, port)
    merged = runtime.triage.incidents.report(ReportInput(
        FLAMING.format(n=2131), Actor(OTHER, "田中 一郎", "fake"), idempotency_key="ev-co", explicit=True,
        conversation=ConversationRef("fake", REPORT_CH, "2131.3")))
    assert merged.merged
    assert _reply(runtime, ts) is not None
    with runtime.triage.deps.sessions() as session:
        assert reporter_roles(session, incident_id) == {STAFF: True, OTHER: False}  # taken by reporting: lost


def test_the_plan_redacts_moves_and_advises_the_replier_privately(runtime: Runtime) -> None:
    port = DmPort()
    runner, incident_id, ts = _reported(runtime, port)
    replied = _reply(runtime, ts)
    assert replied is not None
    steps = reply_plan(replied, Place(REPORT_CH, ts), REPLIER, runner, lambda who: "山田 花子")
    assert steps is not None and any(isinstance(op, plan.MovePrivate) for op in steps.ops)
    assert runner.run(steps).failures == []
    assert any(s.method == "update" and s.place == Place(PR_CH) and isinstance(s.content, c.NoticeRedacted)
               for s in port.calls)  # PR's card redacted
    # The replier's advice to delete came with what they were told (record_reply): no PrivacyAdvice, which would
    # call the incident a leak; marked as given, so resume does not advise again.
    assert not [s for s in port.of("ephemeral") if s.user == REPLIER]
    assert runtime.triage.queries.get_ref(incident_id, "fake", plan.RESTRICTION_ADVISED) is not None
    assert [type(s.content) for s in port.posts(REPORT_CH)][-1] == c.PrivateLine  # the public thread neutral
    assert all(_no_secret(sent) for sent in port.calls)  # no post, card or private note carries the reply
    again = _reply(runtime, ts)
    assert again is not None
    repeat = reply_plan(again, Place(REPORT_CH, ts), REPLIER, runner, lambda who: "山田 花子")
    assert repeat is not None
    calls = len(port.calls)
    assert runner.run(repeat).failures == []
    # Nothing posted or told twice (PR's card is redrawn as it already reads: an update is idempotent).
    assert {s.method for s in port.calls[calls:]} <= {"update"} and all(_no_secret(s) for s in port.calls)
    assert not any(isinstance(op, plan.Tell) for op in repeat.ops)


def test_an_ordinary_reply_plans_nothing(runtime: Runtime) -> None:
    port = DmPort()
    _, incident_id, ts = _reported(runtime, port)
    assert _reply(runtime, ts, "確認します") is None
    assert runtime.triage.queries.view(incident_id, PR).restricted is False
