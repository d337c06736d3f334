"""The playbooks against tests/data/guideline_cells.yaml, and that table against the guideline texts themselves."""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.triage.playbook import PlaybookLibrary
from bot.triage.profiles import Profile

ROOT = Path(__file__).resolve().parents[1]
PLAYBOOKS = ROOT / "playbooks"
# ../shared/seeds next to the repository (or two levels up from a git worktree).
SEEDS = next((p for p in (ROOT.parent / "shared" / "seeds", ROOT.parent.parent / "shared" / "seeds") if p.is_dir()),
             ROOT.parent / "shared" / "seeds")
TABLE = yaml.safe_load((ROOT / "tests" / "data" / "guideline_cells.yaml").read_text(encoding="utf-8"))
CELLS = [(pid, kind) for pid, data in TABLE["profiles"].items() for kind in data["kinds"]]
JST = timezone(timedelta(hours=9))
# Answers that open every conditional step (the table lists steps whatever their `when`).
EVERY_BRANCH = [
    {"is_own_error": "factual", "needs_time": "yes", "account_type": "personal", "where_posted": "own_account",
     "is_malicious": "yes", "use_impaired": "yes", "spread": "large", "press": "yes", "personal_data": "yes",
     "leak_category": "personal_data"},
    {"is_own_error": "wording", "needs_time": "yes", "account_type": "official", "where_posted": "elsewhere",
     "is_malicious": "no", "spread": "small", "press": "no", "personal_data": "no", "leak_category": "security"},
    {"is_own_error": "factual", "needs_time": "no", "account_type": "official", "where_posted": "own_account",
     "is_malicious": "yes", "spread": "medium", "press": "unknown", "personal_data": "unknown",
     "leak_category": "confidential"},
]


def _flat(text: str) -> str:
    """Guideline text without whitespace (the seeds wrap lines mid-sentence)."""
    return re.sub(r"[\s\u3000]+", "", text)


def _seed(pid: str) -> str:
    return _flat((SEEDS / TABLE["profiles"][pid]["source"]).read_text(encoding="utf-8"))


def _table_steps(pid: str, kind: str) -> list[dict[str, Any]]:
    return TABLE["profiles"][pid]["kinds"][kind]["steps"]


def test_table_covers_every_profile_and_kind(library: PlaybookLibrary, profiles: dict[str, Profile]) -> None:
    assert set(TABLE["profiles"]) == set(profiles)
    for pid in profiles:
        assert list(TABLE["profiles"][pid]["kinds"]) == library.kinds()


@pytest.mark.parametrize(("pid", "kind"), CELLS)
def test_playbook_matches_the_table(library: PlaybookLibrary, profiles: dict[str, Profile], pid: str,
                                    kind: str) -> None:
    profile, playbook = profiles[pid], library.playbook(kind)
    steps = [s for s in playbook.steps if s.applies_to(pid)]
    table = _table_steps(pid, kind)
    assert [s.id for s in steps] == [row["step"] for row in table]
    offered: list[str] = []
    for step, row in zip(steps, table, strict=True):
        where = f"{pid}/{kind}/{step.id}"
        assert step.actor_for(pid) == row["actor"], where
        if pid in step.clauses:
            cited, silent = step.clauses[pid], None
        else:
            fallback = step.fallback[pid]
            cited = fallback.clauses if fallback.clauses or fallback.practice else profile.general_rule.clauses
            silent = "practice" if fallback.practice else "clause"
        assert cited == row["clauses"], where
        assert silent == row.get("silent"), where
        assert step.when == row.get("when"), where
        assert step.drafts == row.get("drafts", []), where
        assert [r["clause"] for r in row.get("rests_on", [])] == [
            c for c in cited for _ in _quotes_of(row, c)
        ], f"{where}: every cited clause needs the text it rests on"
        offered += [d for d in step.drafts if d not in offered]
    assert offered == TABLE["profiles"][pid]["kinds"][kind]["drafts"]
    notice = playbook.first_notice.get(pid)
    expected = TABLE["profiles"][pid]["kinds"][kind].get("first_notice")
    assert (None if notice is None else {"when": notice.when, "clauses": notice.clauses}) == expected


def _quotes_of(row: dict[str, Any], clause: str) -> list[str]:
    return [r["text"] for r in row.get("rests_on", []) if r["clause"] == clause]


def test_first_recipients_match_the_table(profiles: dict[str, Profile]) -> None:
    for pid, profile in profiles.items():
        first = TABLE["profiles"][pid]["first_recipients"]
        assert profile.first_report_to == first["sections"]
        assert profile.first_recipients("ja") == first["names"]
        assert profile.first_report_clauses == [r["clause"] for r in first["rests_on"]]


def test_every_actor_used_is_explained(library: PlaybookLibrary, profiles: dict[str, Profile]) -> None:
    for pid, profile in profiles.items():
        actors = TABLE["profiles"][pid]["actors"]
        used = {row["actor"] for kind in library.kinds() for row in _table_steps(pid, kind)}
        assert used == set(actors), pid
        for key, basis in actors.items():
            assert key in profile.actors
            assert ("clause" in basis and "text" in basis) or "not_named" in basis, f"{pid}.{key}"


@pytest.mark.skipif(not SEEDS.is_dir(), reason="seed guidelines not available")
@pytest.mark.parametrize("pid", sorted(TABLE["profiles"]))
def test_every_quote_is_the_guideline_text(pid: str) -> None:
    """Each line of the table rests on words the guideline really contains."""
    seed = _seed(pid)
    data = TABLE["profiles"][pid]
    quotes = [r["text"] for r in data["first_recipients"]["rests_on"]]
    quotes += [b["text"] for b in data["actors"].values() if "text" in b]
    for kind in data["kinds"].values():
        quotes += [r["text"] for row in kind["steps"] for r in row.get("rests_on", [])]
    missing = [q for q in quotes if _flat(q) not in seed]
    assert missing == []


def test_every_cited_clause_is_in_the_profiles_catalogue(library: PlaybookLibrary,
                                                          profiles: dict[str, Profile]) -> None:
    """Fails when a step cites a clause the profile's catalogue (and so its guideline) does not have."""
    for kind in library.kinds():
        playbook = library.playbook(kind)
        for step in playbook.steps:
            for pid, keys in step.clauses.items():
                assert set(keys) <= set(profiles[pid].clauses), f"{kind}/{step.id}/{pid}"
            for pid, fallback in step.fallback.items():
                assert set(fallback.clauses) <= set(profiles[pid].clauses), f"{kind}/{step.id}/{pid}"
        for pid, notice in playbook.first_notice.items():
            assert set(notice.clauses) <= set(profiles[pid].clauses)


def _everything_shown(library: PlaybookLibrary, profile: Profile, kind: str) -> list[str]:
    texts: list[str] = []
    for answers in EVERY_BRANCH:
        context = {
            "incident": {"ref": "INC-0001", "source_url": "https://x.com/a/status/1", "platform": "X",
                         "department": "観光課", "reported_at": datetime(2026, 12, 5, 10, 0, tzinfo=JST),
                         "reporter_name": "山田 花子"},
            "answers": answers, "severity": "high", "now": datetime(2026, 12, 5, 11, 0, tzinfo=JST),
        }
        for step in library.applicable_steps(kind, profile, context):
            rendered = library.render_step(kind, step.id, profile, context, "ja")
            texts += [rendered.title, rendered.instructions, rendered.fallback_note, *rendered.donts]
            texts += [draft.text for draft in rendered.drafts]
    return texts


@pytest.mark.parametrize("rule", TABLE["not_in_guideline"], ids=lambda r: r["phrase"])
def test_no_step_asserts_a_rule_the_guideline_lacks(library: PlaybookLibrary, profiles: dict[str, Profile],
                                                     rule: dict[str, Any]) -> None:
    for pid in rule["profiles"]:
        for kind in rule.get("kinds", library.kinds()):
            found = [t for t in _everything_shown(library, profiles[pid], kind) if rule["phrase"] in t]
            assert found == [], f"{pid}/{kind}: 「{rule['phrase']}」 — {rule['why']}"


def test_the_table_check_can_fail(library: PlaybookLibrary, profiles: dict[str, Profile]) -> None:
    """The phrase check sees what the reporter sees: 旭川市's own wording is found where it belongs."""
    shown = _everything_shown(library, profiles["asahikawa"], "flaming")
    assert any("元の投稿は削除せず" in t for t in shown)
    assert any("実施者: 公式アカウントを運用する所属" in t for t in shown)
