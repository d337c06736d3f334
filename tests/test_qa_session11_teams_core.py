"""Session 11 Teams walk findings outside the adapter (docs/qa/session11_walk_teams.md): the records."""

from __future__ import annotations

from bot.ports import Actor, ReportInput
from bot.wiring import Runtime
from tests.conftest import PR

LEAK = "市の公式Xに申請者の氏名と住所が写った画像が誤って投稿されています。個人情報の漏えいです https://x.com/city/status/7"


def test_the_records_say_who_was_given_the_reporter_role(runtime: Runtime) -> None:
    """#7: after security granted a leak's co-reporter the reporter role, the timeline and the Word report's 経緯
    read 「情報 守の「報告者の権限の付与」を記録しました。」: who was let into a leak's details was nowhere but the
    spreadsheet's 変更後 column, as a bare id. The sentence names the person (with the id)."""
    from bot.records.model import load_record
    from bot.records.sentences import Describer

    triage = runtime.triage
    first = triage.incidents.report(ReportInput(LEAK, Actor("slack:U_FIRST", "山田 花子")))
    assert first.incident is not None and first.incident.restricted
    incident_id = first.incident.id
    triage.incidents.report(ReportInput(LEAK, Actor("slack:U_SECOND", "鈴木 次郎")))
    triage.roles.grant_reporter(incident_id, "slack:U_SECOND", Actor(PR, "広報 花子"))
    deps = triage.deps
    record = load_record(deps, incident_id, PR)
    [line] = [line for line in Describer.for_deps(deps, names=record.names).describe(record.entries)
              if line.type == "role_granted"]
    assert "鈴木 次郎" in line.text and "slack:U_SECOND" in line.text and "報告者の権限を付与" in line.text, line.text
