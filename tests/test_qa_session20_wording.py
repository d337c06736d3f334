"""Session 20 wording fixes (docs/qa/session20_*.md): what each reader is told fits who and where they are."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from bot.triage.templating import make_environment
from tests.test_qa_session20_configs import _check

JST = timezone(timedelta(hours=9))
SUNDAY_EVENING = datetime(2026, 12, 6, 20, 0, tzinfo=JST)


def _render(source: str, locale: str, date_style: str) -> str:
    profile = type("P", (), {"date_style": date_style})()
    return make_environment().from_string(source).render(when=SUNDAY_EVENING, locale=locale, profile=profile)


def test_a_drafts_own_times_carry_the_weekday_as_the_records_do() -> None:
    """Records walk #12: 「確認日時: 令和8年12月4日 18:31」 in a draft, no 曜日, while the records now give it."""
    assert _render("確認日時: {{ when|jdatetime }}", "ja", "wareki") == "確認日時: 令和8年12月6日（日）20:00"
    assert _render("{{ when|jdatetime }}", "ja", "gregorian") == "2026年12月6日（日）20:00"
    assert _render("Found on: {{ when|jdatetime }}", "en", "wareki") == "Found on: Sun 2026-12-06 20:00 JST"
    assert _render("{{ when|jdate }}", "ja", "wareki") == "令和8年12月6日"  # a document's date line stays bare


YAMANAMI = ("profile: yamanami\ncustom_profiles:\n  yamanami:\n    extends: asahikawa\n    sections:\n"
            "      pr_section: {name: {ja: 広報課, en: PR Division}}\n"
            "      department_head: {name: {ja: 各部局の所属長, en: Department heads}}\n"
            "    first_report_to: [広報課, 各部局の所属長]\n")


def test_first_report_to_written_with_section_names_is_told_the_key_in_the_files_language(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Config walk #9: 「部署 '広報課' は sections にありません（使える部署: …）」 in Japanese then English, no key."""
    code, said = _check(tmp_path, YAMANAMI, monkeypatch)
    assert code == 2 and "first_report_to[0]: " in said, said
    assert "first_report_to には pr_section と書いてください" in said and "unknown section" not in said, said
    code, said = _check(tmp_path, "locale: en\n" + YAMANAMI, monkeypatch)
    assert code == 2 and "write pr_section in first_report_to" in said and "sections にありません" not in said, said
    code, said = _check(tmp_path, YAMANAMI.replace("[広報課, 各部局の所属長]", "[pr_sectoin]"), monkeypatch)
    assert "「pr_section」のことですか？" in said, said
