"""Who is told first, and again: exactly the sections each guideline names; further levels only from app.yaml."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import select

from bot.ports import Actor, Notification, ReportInput
from bot.wiring import Runtime
from storage.models import Escalation
from tests.conftest import STAFF
from tests.helpers import POST_URL, answers_for

REPORTER = Actor(STAFF, "山田 花子", "test")
FLAMING = f"市の公式Xの投稿が炎上しています。批判のリプライが殺到しています {POST_URL}"
MISINFORMATION = f"市についてのデマが拡散されています。事実と異なる情報です {POST_URL}"
# (first recipients as shown, section keys, guideline basis) — 浦臼町 5(3) names two sections, told together.
FIRST = {
    "asahikawa": ("広報広聴課", ("pr_section",), "旭川市ガイドライン 7(1)エ"),
    "urausu": ("所属課局長及び総務課", ("department_head", "pr_section"), "浦臼町ガイドライン 5(3)"),
    "iwaki": ("アカウント管理者（課等の長）", ("pr_section",), "いわき市ガイドライン 第7"),
    "chikugo": ("総務広報課長", ("pr_head",), "筑後市ガイドライン 3"),
}


def _report(runtime: Runtime, text: str = FLAMING) -> tuple[int, tuple[Notification, ...], tuple[str, ...]]:
    outcome = runtime.triage.incidents.report(ReportInput(text, REPORTER))
    assert outcome.incident is not None
    return outcome.incident.id, outcome.notifications, outcome.messages


def test_first_notice_goes_to_every_named_section_then_only_to_them_again(
    runtime_factory: Callable[..., Runtime], sqlite_url: str, clock  # type: ignore[no-untyped-def]
) -> None:
    for index, (profile, (name, sections, basis)) in enumerate(FIRST.items()):
        always = {"always_for_severities": ["low", "medium", "high", "critical"]}  # clocks run on weekends too
        runtime = runtime_factory(sqlite_url.replace("test.db", f"{profile}.db"), profile=profile,
                                  escalation={"office_hours": always})
        incident_id, notes, _ = _report(runtime)
        [note] = notes
        assert note.level == 1 and note.section_name == name and note.audiences == sections
        basis_line = next(line for line in note.body.splitlines() if line.startswith("通知先の根拠"))
        assert basis in basis_line and "自治体の運用設定" not in basis_line and "ほかのトラブル" not in note.body
        delivered: list[Notification] = []
        for _ in range(6):  # escalation.renotice_limit's default
            clock.advance(minutes=31)
            assert runtime.triage.escalations.fire_due(delivered.append, f"w{index}") == 1
        # The built-in profiles only re-notify the same first recipients; no invented chain follows.
        assert all(again.section_name == name and again.audiences == sections for again in delivered)
        assert [again.level for again in delivered] == [2, 3, 4, 5, 6, 7]
        assert all("再度お知らせします" in again.title and "自治体の運用設定" not in again.title for again in delivered)
        clock.advance(days=5)
        assert runtime.triage.escalations.fire_due(delivered.append, f"w{index}") == 0
        with runtime.triage.deps.sessions.begin() as session:
            levels = session.execute(select(Escalation.level).where(Escalation.incident_id == incident_id))
            assert sorted(levels.scalars()) == [1, 2, 3, 4, 5, 6, 7]


def test_app_yaml_levels_are_the_municipalitys_own_setting(
    runtime_factory: Callable[..., Runtime], sqlite_url: str, clock  # type: ignore[no-untyped-def]
) -> None:
    runtime = runtime_factory(sqlite_url, profile="iwaki", escalation={"levels": [
        {"section": "pr_section", "mention": "S_AM", "after_minutes": 20},
        {"section": "furusato_section", "after_minutes": 60, "mention": "U_FURUSATO"},
    ]})
    _, [first], _ = _report(runtime)
    assert first.mention == "S_AM" and "いわき市ガイドライン 第7" in first.body
    clock.advance(minutes=21)
    delivered: list[Notification] = []
    assert runtime.triage.escalations.fire_due(delivered.append, "w") == 1
    [own] = delivered
    assert own.audience == "furusato_section" and own.mention == "U_FURUSATO"
    assert "自治体の運用設定" in own.title and "自治体の運用設定" in own.body
    assert "ガイドライン 第10" not in own.body  # never cited as a clause


def test_asahikawa_misinformation_tells_pr_only_when_malicious(
    runtime_factory: Callable[..., Runtime], sqlite_url: str
) -> None:
    runtime = runtime_factory(sqlite_url, profile="asahikawa", escalation={})
    incident_id, notes, messages = _report(runtime, MISINFORMATION)
    assert notes == ()  # 7(3)イ: 悪質な場合には広報広聴課へ報告
    assert any("旭川市ガイドライン 7(3)イ" in m and "悪質な場合" in m for m in messages)
    steps = runtime.triage.steps
    intake = steps.current(incident_id, STAFF)
    assert intake is not None and intake.step_id == "intake"
    steps.complete(incident_id, "intake", REPORTER, answers=answers_for(intake))
    delivered: list[Notification] = []
    assert runtime.triage.escalations.fire_due(delivered.append, "w") == 0
    asked = steps.current(incident_id, STAFF)
    assert asked is not None and asked.step_id == "report_if_malicious"
    outcome = steps.complete(incident_id, "report_if_malicious", REPORTER, answers={"is_malicious": "yes"})
    assert any("広報広聴課へ通知します" in m for m in outcome.messages)
    assert runtime.triage.escalations.fire_due(delivered.append, "w") == 1
    [note] = delivered
    assert note.level == 1 and note.section_name == "広報広聴課"
    assert "通知先の根拠: 旭川市ガイドライン 7(3)イ" in note.body and "7(1)エ" not in note.body


def test_a_kind_the_guideline_is_silent_on_says_whose_recipients_these_are(
    runtime_factory: Callable[..., Runtime], sqlite_url: str
) -> None:
    runtime = runtime_factory(sqlite_url, profile="asahikawa", escalation={})
    _, [note], _ = _report(runtime, f"市の公式Xアカウントが乗っ取られたようです。見覚えのない投稿があります {POST_URL}")
    assert note.section_name == "広報広聴課"
    assert "7(3)イ（ほかのトラブルについての報告先" in note.body


def test_urausu_takeover_cites_5_3_as_its_own_reporting_rule(
    runtime_factory: Callable[..., Runtime], sqlite_url: str
) -> None:
    """s21 (#17 of s17): 5(3) 町に関する重要な記述 is read alike for flaming, a leak and a takeover."""
    runtime = runtime_factory(sqlite_url, profile="urausu", escalation={})
    _, [note], _ = _report(runtime, f"町の公式Xアカウントが乗っ取られたようです。見覚えのない投稿があります {POST_URL}")
    assert note.section_name == "所属課局長及び総務課"
    assert "浦臼町ガイドライン 5(3)" in note.body and "ほかのトラブル" not in note.body


def test_asahikawa_misinformation_not_malicious_tells_no_one(
    runtime_factory: Callable[..., Runtime], sqlite_url: str
) -> None:
    runtime = runtime_factory(sqlite_url, profile="asahikawa", escalation={})
    incident_id, _, _ = _report(runtime, MISINFORMATION)
    steps = runtime.triage.steps
    intake = steps.current(incident_id, STAFF)
    assert intake is not None
    steps.complete(incident_id, "intake", REPORTER, answers=answers_for(intake))
    steps.complete(incident_id, "report_if_malicious", REPORTER, answers={"is_malicious": "no"})
    with runtime.triage.deps.sessions.begin() as session:
        assert session.execute(select(Escalation.id).where(Escalation.incident_id == incident_id)).first() is None


def test_steps_name_their_actor(runtime_factory: Callable[..., Runtime], sqlite_url: str) -> None:
    runtime = runtime_factory(sqlite_url, profile="iwaki", escalation={})
    incident_id, _, _ = _report(runtime)
    views = {v.step_id: v for v in runtime.triage.steps.views(incident_id, STAFF)}
    assert views["intake"].actor == "reporter" and views["report"].actor == "reporter"
    # 第7: 「アカウント管理者は次に掲げるような対応をとること」
    assert views["stay_calm"].actor == "account_manager" and views["stay_calm"].actor_label == "アカウント管理者"
    assert views["stay_calm"].instructions.startswith("実施者: アカウント管理者\n")
    assert "直ちに" in views["report"].instructions


def test_several_clauses_are_listed_the_japanese_way(
    runtime_factory: Callable[..., Runtime], sqlite_url: str  # type: ignore[no-untyped-def]
) -> None:
    """Fidelity s17 #20: the notice joined its clauses with ", " where the records use 「、」."""
    always = {"always_for_severities": ["low", "medium", "high", "critical"]}
    runtime = runtime_factory(sqlite_url, profile="asahikawa", escalation={"office_hours": always})
    leak = f"市の公式Xで申請者の氏名と電話番号が公開されてしまっています。個人情報の漏えいです {POST_URL}"
    _, notes, _ = _report(runtime, leak)
    basis_line = next(line for note in notes for line in note.body.splitlines() if line.startswith("通知先の根拠"))
    assert "旭川市ガイドライン 7(1)エ、旭川市ガイドライン 7(2)ア" in basis_line and ", " not in basis_line
