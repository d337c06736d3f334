"""Session 6 QA walk: answers kept across a kind correction, いわき市's report addressee, short inputs typed in
full-width forms."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest

from bot.ports import Actor, ReportInput
from bot.records.model import load_record
from bot.records.report import addressee_name, build_report
from bot.wiring import Runtime
from tests.conftest import PR, STAFF
from tests.helpers import POST_URL

ROOT = Path(__file__).resolve().parents[1]
SEEDS = next((p for p in (ROOT.parent / "shared" / "seeds", ROOT.parent.parent / "shared" / "seeds") if p.is_dir()),
             ROOT.parent / "shared" / "seeds")
REPORTER = Actor(STAFF, "山田 花子", "test")
PR_OFFICER = Actor(PR, "広報 佐藤", "test")
REPORTS = {
    "flaming": f"市の公式Xの投稿が炎上しています。批判のリプライが殺到しています {POST_URL}",
    "impersonation": f"市の公式アカウントのなりすましがいます {POST_URL}",
    "misinformation": f"市についてのデマが拡散されています。事実と異なる情報です {POST_URL}",
    "leak": f"職員が個人情報を漏えいした投稿があります {POST_URL}",
    "account_takeover": f"市の公式アカウントが乗っ取られました {POST_URL}",
}


# -- いわき市: the report goes where 第7 says, for every kind ------------------------------------------------
@pytest.mark.parametrize("kind", list(REPORTS))
def test_iwaki_reports_go_to_the_account_manager_for_every_kind(runtime_factory: Callable[..., Runtime],
                                                                sqlite_url: str, kind: str) -> None:
    """第7: 重要な情報の漏えいや…炎上、アカウントの成りすましなどの問題 → 職員は直ちにアカウント管理者に報告. The report
    (報告書) was addressed to 情報管理者（部等の長）, whom the guideline names only for approving a new account
    (第4 1(2))."""
    runtime = runtime_factory(sqlite_url, profile="iwaki", escalation={})
    outcome = runtime.triage.incidents.report(ReportInput(REPORTS[kind], REPORTER, kind_hint=kind))
    assert outcome.incident is not None
    [notice] = outcome.notifications
    assert notice.section_name == "アカウント管理者（課等の長）" and "いわき市ガイドライン 第7" in notice.body
    deps = runtime.triage.deps
    report = build_report(deps, load_record(deps, outcome.incident.id, None))
    assert report.addressee == "アカウント管理者（課等の長）　様" and "情報管理者" not in report.addressee
    assert addressee_name(deps, "ja") == "アカウント管理者（課等の長）"


def test_iwaki_clause_7_is_quoted_in_the_guidelines_own_words(runtime_factory: Callable[..., Runtime],
                                                              sqlite_url: str) -> None:
    seed = re.sub(r"[\s\u3000]+", "", (SEEDS / "002_5536b3df847376cc.txt").read_text(encoding="utf-8"))
    profile = runtime_factory(sqlite_url, profile="iwaki", escalation={}).triage.deps.profile
    quote = profile.clause_text("第7")
    assert "ソーシャルメディア特有の脅威である炎上" in quote and quote in seed
