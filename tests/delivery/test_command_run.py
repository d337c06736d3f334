"""A typed command run the same way on every platform (bot/delivery/command_run.py): the real core on the test
database, no platform, no HTTP."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from sqlalchemy.exc import OperationalError

from bot.delivery import command_run, plan
from bot.delivery import content as c
from bot.delivery.commands import Command, read
from bot.delivery.refusals import Refusals
from bot.ports import Actor
from bot.triage import lifecycle
from bot.triage.access import PermissionDenied
from bot.triage.core import IncidentNotFound
from bot.wiring import Runtime
from tests.conftest import OTHER, PR, SECURITY, STAFF
from tests.delivery.test_delivery_plan import FLAMING, LEAK, report

PR_ACTOR = Actor(PR, "広報 太郎", "slack")


def _platform(runtime: Runtime, platform: str = "slack", private: bool = False) -> command_run.Platform:
    return command_run.Platform(Refusals(runtime.triage.catalog, platform), lambda user: f"name of {user}",
                                lambda incident: private, "/incident ")


def _resolved(runtime: Runtime) -> int:
    outcome = report(runtime, FLAMING.format(n=1))
    assert outcome.incident is not None
    runtime.triage.incidents.change_status(outcome.incident.id, lifecycle.RESOLVED, PR_ACTOR)
    return outcome.incident.id


def test_a_reopen_tells_the_sender_plans_the_notices_and_drops_the_flareup_offers(runtime: Runtime) -> None:
    incident_id = _resolved(runtime)
    ran = command_run.run(runtime.triage, PR_ACTOR, Command("reopen", incident_id), _platform(runtime))
    assert runtime.triage.queries.view(incident_id, None).status == lifecycle.RESPONDING
    assert ran.refused is None and ran.drop_offers == incident_id
    assert ran.said and "INC-0001" in ran.said[0]
    assert ran.plan is not None and ran.plan.ops  # PR told who reopened it, the conversation told it runs again
    view = runtime.triage.queries.view(incident_id, None)
    assert all(op.incident_id == view.id for op in ran.plan.ops)  # type: ignore[attr-defined]


def test_a_close_tells_its_reporters_and_redraws_the_notices(runtime: Runtime) -> None:
    """終結: its reporters told once in its conversation; the section's notices lose their controls and say it."""
    incident_id = _resolved(runtime)
    ran = command_run.run(runtime.triage, PR_ACTOR, Command("close", incident_id), _platform(runtime))
    assert runtime.triage.queries.view(incident_id, None).status == lifecycle.CLOSED
    assert "INC-0001" in ran.said[0] and ran.drop_offers is None and ran.plan is not None
    told, op, withdrawn = ran.plan.ops
    assert isinstance(told, plan.Post) and told.where == plan.HOME and told.purpose == "ended_told:closed"
    assert isinstance(op, plan.UpdateNotices) and isinstance(op.content, c.NoticeEnded)
    assert op.content.text == ran.said[0]
    assert isinstance(withdrawn, plan.WithdrawControls) and withdrawn.view.status == lifecycle.CLOSED


def test_a_bystander_is_refused_in_words_and_recorded(runtime: Runtime) -> None:
    incident_id = _resolved(runtime)
    ran = command_run.run(runtime.triage, Actor(OTHER, "職員 花子", "slack"), Command("close", incident_id),
                          _platform(runtime))
    assert isinstance(ran.refused, PermissionDenied) and ran.plan is None and ran.drop_offers is None
    assert "権限がありません" in ran.said[0]
    assert runtime.triage.queries.view(incident_id, None).status == lifecycle.RESOLVED
    assert "access_denied" in [e.type for e in runtime.triage.queries.timeline(incident_id, None)]


def test_an_unknown_incident_is_said_plainly(runtime: Runtime) -> None:
    ran = command_run.run(runtime.triage, PR_ACTOR, Command("close", 42), _platform(runtime))
    assert isinstance(ran.refused, IncidentNotFound) and "INC-0042" in ran.said[0]


@pytest.mark.parametrize(("platform", "words"), [("slack", "利用者を特定できない"),
                                                 ("teams", "Teams の利用者を特定できない")])
def test_a_typed_name_that_names_nobody_grants_nothing(runtime: Runtime, platform: str, words: str) -> None:
    outcome = report(runtime, LEAK.format(n=2))
    assert outcome.incident is not None
    incident_id = outcome.incident.id
    report(runtime, LEAK.format(n=2), user=OTHER, key="ev2")
    security = Actor(SECURITY, "情報 次郎", "slack")
    ran = command_run.run(runtime.triage, security, Command("grant", incident_id, user="佐藤"),
                          _platform(runtime, platform), person=lambda typed: None)
    assert words in ran.said[0] and "「佐藤」" in ran.said[0] and ran.refused is None and ran.plan is None
    assert not runtime.triage.queries.view(incident_id, OTHER).details_visible
    ran = command_run.run(runtime.triage, security, Command("grant", incident_id, user="佐藤"),
                          _platform(runtime, platform), person=lambda typed: OTHER)  # the @mention picked
    assert "付与しました" in ran.said[0]
    assert runtime.triage.queries.view(incident_id, OTHER).details_visible


def test_the_default_person_is_the_typed_id_on_the_senders_platform(runtime: Runtime) -> None:
    outcome = report(runtime, LEAK.format(n=3))
    assert outcome.incident is not None
    report(runtime, LEAK.format(n=3), user=OTHER, key="ev2")
    ran = command_run.run(runtime.triage, Actor(SECURITY, "情報 次郎", "slack"),
                          Command("grant", outcome.incident.id, user="U_OTHER"), _platform(runtime))
    assert "付与しました" in ran.said[0]
    assert runtime.triage.queries.view(outcome.incident.id, OTHER).details_visible


@pytest.mark.parametrize("error", [OperationalError("SELECT", {}, Exception("down")), RuntimeError("a bug")])
def test_storage_failures_and_bugs_are_raised_for_the_adapter(runtime: Runtime, error: Exception) -> None:
    def fail(*args: object, **kwargs: object) -> None:
        raise error

    triage = SimpleNamespace(incidents=SimpleNamespace(change_status=fail), catalog=runtime.triage.catalog)
    with pytest.raises(type(error)):
        command_run.run(triage, PR_ACTOR, Command("close", 1), _platform(runtime))  # type: ignore[arg-type]


def test_the_notices_are_the_shared_plans(runtime: Runtime) -> None:
    incident_id = _resolved(runtime)
    outcome = runtime.triage.incidents.change_status(incident_id, lifecycle.RESPONDING, PR_ACTOR)
    assert command_run.told(outcome, PR_ACTOR, Command("reopen", incident_id)).plan == plan.notices(outcome, PR)


def _flaming(runtime: Runtime) -> int:
    outcome = report(runtime, FLAMING.format(n=5))
    assert outcome.incident is not None and not outcome.incident.restricted
    return outcome.incident.id


def test_pr_corrects_a_flaming_to_a_leak_by_typing_as_the_kind_button_plans_it(runtime: Runtime) -> None:
    incident_id = _flaming(runtime)
    command = read("種別 INC-0001 情報漏えい", runtime.triage.catalog.t)
    assert command == Command("kind", incident_id, kind="情報漏えい")
    ran = command_run.run(runtime.triage, PR_ACTOR, command, _platform(runtime))
    view = runtime.triage.queries.view(incident_id, None)
    assert view.kind == "leak" and view.restricted and ran.refused is None and ran.action == "kind_select"
    assert ran.said and "「情報漏えい」に訂正しました" in ran.said[0]
    assert ran.plan is not None
    ops = [type(op).__name__ for op in ran.plan.ops]
    assert ops[:2] == ["UpdateNotices", "MovePrivate"]  # redaction first, then the conversation moves private
    assert isinstance(ran.plan.ops[0].content, c.NoticeRedacted)  # type: ignore[attr-defined]
    assert "kind_corrected" in [e.type for e in runtime.triage.queries.timeline(incident_id, None)]


@pytest.mark.parametrize("typed", ["kind 1 leak", "種別 1 漏えい", "ｋｉｎｄ　＃１　ＬＥＡＫ", "種別 1 情報漏洩"])
def test_the_kind_words_of_the_buttons_and_the_classifier_are_read(runtime: Runtime, typed: str) -> None:
    incident_id = _flaming(runtime)
    command = read(typed, runtime.triage.catalog.t)
    assert isinstance(command, Command)
    command_run.run(runtime.triage, PR_ACTOR, command, _platform(runtime))
    assert runtime.triage.queries.view(incident_id, None).kind == "leak"


def test_an_unknown_kind_word_gets_the_usage_with_the_kinds_and_changes_nothing(runtime: Runtime) -> None:
    incident_id = _flaming(runtime)
    ran = command_run.run(runtime.triage, PR_ACTOR, Command("kind", incident_id, kind="大変"), _platform(runtime))
    assert ran.plan is None and ran.refused is None
    assert "/incident 種別 INC-0001 情報漏えい" in ran.said[0]
    assert all(word in ran.said[0] for word in ("炎上", "なりすまし", "デマ", "情報漏えい", "乗っ取り"))
    assert runtime.triage.queries.view(incident_id, None).kind == "flaming"


def test_the_same_kind_again_is_said_and_plans_nothing(runtime: Runtime) -> None:
    incident_id = _flaming(runtime)
    ran = command_run.run(runtime.triage, PR_ACTOR, Command("kind", incident_id, kind="炎上"), _platform(runtime))
    assert ran.plan is None and "既に「炎上」です" in ran.said[0]


def test_a_bystander_is_told_who_may_correct_the_kind(runtime: Runtime) -> None:
    incident_id = _flaming(runtime)
    ran = command_run.run(runtime.triage, Actor(OTHER, "職員 花子", "slack"), Command("kind", incident_id, kind="leak"),
                          _platform(runtime))
    assert isinstance(ran.refused, PermissionDenied) and ran.plan is None
    assert "種別を訂正できるのは、報告者・" in ran.said[0] and "記録されました" in ran.said[0]
    assert runtime.triage.queries.view(incident_id, None).kind == "flaming"
    leak = report(runtime, LEAK.format(n=6), key="ev6").incident
    assert leak is not None
    ran = command_run.run(runtime.triage, Actor(STAFF, "担当 山田", "slack"), Command("kind", leak.id, kind="炎上"),
                          _platform(runtime))  # its own reporter: a leak's kind is PR's and security's
    assert "閲覧制限付きの案件の種別を訂正できるのは" in ran.said[0]


def test_the_reporter_whose_own_chat_is_the_home_is_told_there_once(runtime: Runtime) -> None:
    incident_id = _flaming(runtime)
    ran = command_run.run(runtime.triage, Actor(STAFF, "担当 山田", "slack"), Command("kind", incident_id, kind="デマ"),
                          _platform(runtime, private=True))
    assert ran.said == () and ran.plan is not None  # the plan posts 「訂正しました」 in their chat
    assert any(isinstance(op.content, c.Texts) for op in ran.plan.ops if hasattr(op, "content"))


def test_a_bystanders_grant_to_a_typed_name_is_refused_first_and_alone(runtime: Runtime) -> None:
    """Teams walk s18 #7: a colleague with no role typing 「権限付与 INC-0001 鈴木」 was told how to name the grantee
    (「…@メンションで一覧から選んで…」) instead of being refused, and the attempt was not on the timeline."""
    outcome = report(runtime, LEAK.format(n=1))
    assert outcome.incident is not None
    incident_id = outcome.incident.id
    ran = command_run.run(runtime.triage, Actor(OTHER, "佐藤 一郎", "teams"),
                          Command("grant", incident_id, user="鈴木"), _platform(runtime, "teams"),
                          person=lambda typed: None)
    assert isinstance(ran.refused, PermissionDenied) and ran.plan is None
    assert len(ran.said) == 1 and "権限がありません" in ran.said[0] and "メンション" not in ran.said[0]
    assert [e.type for e in runtime.triage.queries.timeline(incident_id, None)][-1] == "access_denied"
