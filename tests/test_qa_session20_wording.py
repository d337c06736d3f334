"""Session 20 wording fixes (docs/qa/session20_*.md): what each reader is told fits who and where they are."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from bot.triage.templating import make_environment

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
