"""Session 8 records walk (docs/qa/session8_records.md): the report and timeline a section chief files, kept exact."""

from __future__ import annotations

import io
from collections.abc import Callable

import docx
import openpyxl
import pytest

from bot.clock import FixedClock
from bot.ports import Actor, ReportInput
from bot.records.service import RecordsDesk
from bot.records.tables import md_escape
from bot.triage.access import PermissionDenied
from bot.wiring import Runtime
from tests.conftest import OTHER, PR, STAFF
from tests.helpers import answers_for

REPORTER = Actor(STAFF, "山田 花子", "test")
PR_OFFICER = Actor(PR, "広報 佐藤", "test")
FLAMING = "市の公式Xの投稿が炎上しています、批判のリプライが止まりません https://x.com/city/status/1"
RESULTS = {"ja": ("実施", "実施せず（スキップ）", "未実施"),
           "en": ("Done", "Not done (skipped)", "Not done (not taken up)")}


def _flaming_left_open_at_the_end(runtime: Runtime) -> tuple[int, list[str]]:
    """A flaming incident: the first step skipped, the rest done, except the last, which PR resolves past."""
    triage = runtime.triage
    outcome = triage.incidents.report(ReportInput(text=FLAMING, reporter=REPORTER))
    assert outcome.incident is not None
    incident_id, step, seen = outcome.incident.id, outcome.step, []
    while step is not None and step.index < step.total:
        seen.append(step.title)
        skip = not seen[:-1]  # the first step
        step = triage.steps.complete(incident_id, step.step_id, REPORTER, skip=skip,
                                     answers=answers_for(step)).step
    assert step is not None  # the last step, left untouched
    seen.append(step.title)
    triage.incidents.acknowledge(incident_id, PR_OFFICER)
    triage.incidents.change_status(incident_id, "resolved", PR_OFFICER)
    return incident_id, seen


def _docx_rows(content: bytes, heading: str) -> list[list[str]]:
    """The rows of the table under a numbered heading of the Word report."""
    document = docx.Document(io.BytesIO(content))
    body = document.element.body
    tables = {t._tbl: t for t in document.tables}
    found = False
    for child in body.iterchildren():
        text = "".join(child.itertext())
        if child.tag.endswith("}p") and text.endswith(heading):
            found = True
        elif found and child in tables:
            return [[cell.text for cell in row.cells] for row in tables[child].rows]
    raise AssertionError(f"no table under {heading}")


# -- finding 1: a step nobody took up is in the report as 未実施, a skipped one as スキップ ---------------------------
@pytest.mark.parametrize("locale", ["ja", "en"])
def test_the_report_lists_skipped_and_untouched_steps(runtime_factory: Callable[..., Runtime], sqlite_url: str,
                                                      locale: str) -> None:
    """「実施した対応」 listed only the steps done or skipped: the optional 審査委員会 step PR resolved past was not
    there, so the clerk filing the report could not tell it was never considered."""
    runtime = runtime_factory(sqlite_url, locale=locale)
    incident_id, titles = _flaming_left_open_at_the_end(runtime)
    content = RecordsDesk(runtime.triage.deps).report_file(incident_id, None, "docx").content
    heading = "対応の実施状況" if locale == "ja" else "Steps of the response"
    rows = _docx_rows(content, heading)[1:]
    assert [row[1] for row in rows] == titles
    done, skipped, pending = RESULTS[locale]
    assert rows[0][2] == skipped and rows[0][4] != "—"
    assert all(row[2] == done for row in rows[1:-1])
    assert rows[-1][2:5] == [pending, "—", "—"]
    assert rows[-1][5]  # its clauses are cited: what the guideline offered


@pytest.mark.parametrize("locale", ["ja", "en"])
def test_the_timeline_exports_end_with_the_steps_status(runtime_factory: Callable[..., Runtime], sqlite_url: str,
                                                        locale: str) -> None:
    """The timeline (md, xlsx) showed events only: a step nobody took up left no trace in it."""
    runtime = runtime_factory(sqlite_url, locale=locale)
    incident_id, titles = _flaming_left_open_at_the_end(runtime)
    desk = RecordsDesk(runtime.triage.deps)
    done, skipped, pending = RESULTS[locale]
    md = desk.timeline_file(incident_id, None, "md").content.decode("utf-8")
    tail = md.split("## " + ("手順の実施状況" if locale == "ja" else "Steps of the response"))[1]
    assert f"| {md_escape(pending)} | — | — |" in tail and f"| {md_escape(skipped)} |" in tail
    book = openpyxl.load_workbook(io.BytesIO(desk.timeline_file(incident_id, None, "xlsx").content))
    sheet = book[book.sheetnames[1]]
    values = [[c.value for c in row] for row in sheet.iter_rows(min_row=2)]
    assert [row[1] for row in values] == titles
    assert [row[2] for row in values] == [skipped] + [done] * (len(titles) - 2) + [pending]
    # CSV stays one table of events (a second table would break every reader of it).
    csv = desk.timeline_file(incident_id, None, "csv").content.decode("utf-8-sig")
    assert pending not in csv


# -- finding 3: the classifier's fit runs on one BLAS/OpenMP thread (the same corpus, the same bytes) -----------
def test_the_classifier_fit_runs_on_one_thread(monkeypatch: pytest.MonkeyPatch) -> None:
    """Two builds of the same corpus on a loaded machine differed by 1e-6 in one coefficient: the parallel BLAS
    reductions summed in a load-dependent order."""
    from sklearn.linear_model import LogisticRegression
    from threadpoolctl import threadpool_info

    from bot.triage.classifier_build import Example, build

    seen: list[int] = []
    fit = LogisticRegression.fit

    def watched(self: LogisticRegression, *args: object, **kwargs: object) -> LogisticRegression:
        seen.extend(pool["num_threads"] for pool in threadpool_info())
        return fit(self, *args, **kwargs)

    monkeypatch.setattr(LogisticRegression, "fit", watched)
    texts = {"flaming": "公式の投稿が炎上 批判が殺到", "leak": "個人情報が写った写真を投稿 漏えい",
             "none": "今日の会議は午後です 資料を印刷"}
    examples = [Example(f"{text} {n}", kind, f"batch{n % 2}") for kind, text in texts.items() for n in range(4)]
    build(examples)
    assert seen and set(seen) == {1}


# -- finding 4: a platform reads the same whichever case it was stored in --------------------------------------
def test_the_platform_reads_the_same_from_a_url_and_from_an_answer(runtime_factory: Callable[..., Runtime],
                                                                  sqlite_url: str) -> None:
    """A report's URL stores 「X」, a typed answer 「x」: the incident list showed 「X」 for one and 「X（旧Twitter）」
    for the other, and the timeline said the platform changed from 「X」 to 「X（旧Twitter）」."""
    runtime = runtime_factory(sqlite_url)
    triage = runtime.triage
    first = triage.incidents.report(ReportInput(text=FLAMING, reporter=REPORTER, kind_hint="flaming"))
    assert first.incident is not None and first.incident.platform == "X"
    desk = RecordsDesk(triage.deps)
    book = openpyxl.load_workbook(io.BytesIO(desk.incidents_file(None).content))
    values = [[c.value for c in row] for row in book.active.iter_rows(min_row=2)]
    assert values[0][10] == "X（旧Twitter）"
    report = desk.report_file(first.incident.id, None, "md").content.decode("utf-8")
    assert "媒体：X（旧Twitter）" in report


# -- finding 5: a re-notice is recorded as the re-notice it was, not as a higher level ---------------------------
@pytest.mark.parametrize("locale", ["ja", "en"])
def test_a_renotice_reads_as_a_renotice_of_its_stage(runtime_factory: Callable[..., Runtime], sqlite_url: str,
                                                     clock: FixedClock, locale: str) -> None:
    """With one escalation level, the two re-notices read 「第2段階」「第3段階」 in the timeline and the report,
    while the notice said 【再通知 1/2】 and the weekly summary counted no climb to level 2."""
    runtime = runtime_factory(sqlite_url, locale=locale, escalation={
        "levels": [{"section": "pr_section", "after_minutes": 30}], "renotice_limit": 2,
        "office_hours": {"always_for_severities": ["low", "medium", "high", "critical"]}})
    outcome = runtime.triage.incidents.report(ReportInput(text=FLAMING, reporter=REPORTER, kind_hint="flaming"))
    assert outcome.incident is not None
    sent: list[object] = []
    for _ in range(2):
        clock.advance(minutes=31)
        assert runtime.triage.escalations.fire_due(sent.append, "w") == 1
    md = RecordsDesk(runtime.triage.deps).timeline_file(outcome.incident.id, None, "md").content.decode("utf-8")
    if locale == "ja":
        assert "第1段階の1回目の再通知" in md and "第1段階の2回目の再通知" in md
        assert "第2段階" not in md and "第3段階" not in md
    else:
        assert md_escape("(level 1, re-notice 1)") in md and md_escape("(level 1, re-notice 2)") in md
        assert "level 2" not in md and "level 3" not in md


# -- finding 6: an English report numbers its sections as English does ---------------------------------------
def test_an_english_report_numbers_sections_in_ascii(runtime_factory: Callable[..., Runtime],
                                                     sqlite_url: str) -> None:
    """The English Word report headed its sections 「１　Subject」: full-width digits and an ideographic space."""
    runtime = runtime_factory(sqlite_url, locale="en")
    outcome = runtime.triage.incidents.report(ReportInput(text=FLAMING, reporter=REPORTER, kind_hint="flaming"))
    assert outcome.incident is not None
    content = RecordsDesk(runtime.triage.deps).report_file(outcome.incident.id, None, "docx").content
    paragraphs = [p.text for p in docx.Document(io.BytesIO(content)).paragraphs]
    assert "1. Subject" in paragraphs and "10. Prevention measures" in paragraphs
    assert not any(ch in text for text in paragraphs for ch in "０１２３４５６７８９　")


@pytest.mark.parametrize("locale", ["ja", "en"])
def test_reporters_and_documents_are_listed_in_the_reports_language(runtime_factory: Callable[..., Runtime],
                                                                    sqlite_url: str, locale: str) -> None:
    """The English report read 「reported by Hanako Yamada、Jiro Sato」 and marked each draft with 〇."""
    runtime = runtime_factory(sqlite_url, locale=locale)
    triage = runtime.triage
    outcome = triage.incidents.report(ReportInput(text=FLAMING, reporter=REPORTER, kind_hint="flaming"))
    assert outcome.incident is not None
    triage.incidents.report(ReportInput(text=FLAMING, reporter=Actor(OTHER, "佐藤 次郎", "test"), kind_hint="flaming"))
    step = outcome.step
    while step is not None:
        step = triage.steps.complete(outcome.incident.id, step.step_id, REPORTER, answers=answers_for(step)).step
    content = RecordsDesk(triage.deps).report_file(outcome.incident.id, None, "docx").content
    paragraphs = [p.text for p in docx.Document(io.BytesIO(content)).paragraphs]
    marks = [text[:2] for text in paragraphs if text[:2] in ("〇 ", "• ")]
    assert marks and set(marks) == {"〇 " if locale == "ja" else "• "}
    joined = "山田 花子、佐藤 次郎" if locale == "ja" else "山田 花子, 佐藤 次郎"
    assert any(joined in text for text in paragraphs)


# -- finding 7: 浦臼町 notices went to 所属課局長及び総務課; the records named only the first ------------------
@pytest.mark.parametrize("locale", ["ja", "en"])
def test_the_records_name_every_section_a_notice_went_to(runtime_factory: Callable[..., Runtime], sqlite_url: str,
                                                         clock: FixedClock, locale: str) -> None:
    """浦臼町 5(3): trouble is reported to 所属課局長 and 総務課 at once, and the notice (and its re-notice) said so,
    but the timeline read 「所属課局長に通知しました」 and the report's 通知・確認 table named 所属課局長 alone."""
    runtime = runtime_factory(sqlite_url, profile="urausu", locale=locale, escalation={
        "levels": [{"section": "department_head", "after_minutes": 30}], "renotice_limit": 1,
        "office_hours": {"always_for_severities": ["low", "medium", "high", "critical"]}})
    outcome = runtime.triage.incidents.report(ReportInput(text=FLAMING, reporter=REPORTER, kind_hint="flaming"))
    assert outcome.incident is not None
    clock.advance(minutes=31)
    sent: list[object] = []
    assert runtime.triage.escalations.fire_due(sent.append, "w") == 1
    both = runtime.triage.deps.profile.first_recipients(locale)
    desk = RecordsDesk(runtime.triage.deps)
    md = desk.timeline_file(outcome.incident.id, None, "md").content.decode("utf-8")
    assert md.count(md_escape(both)) == 2  # the notice and its re-notice
    rows = _docx_rows(desk.report_file(outcome.incident.id, None, "docx").content,
                      "通知・確認" if locale == "ja" else "Notifications and acknowledgements")
    assert [row[2] for row in rows[1:]] == [both, both]


# -- finding 8: a refused attempt names the action in words -------------------------------------------------------
@pytest.mark.parametrize("locale", ["ja", "en"])
def test_a_refused_export_reads_in_the_records_language(runtime_factory: Callable[..., Runtime], sqlite_url: str,
                                                        locale: str) -> None:
    """A colleague's refused `report --as` on a leak read 「…が権限のない操作（export）を試み、拒否されました」:
    the access matrix's id, in English, in a Japanese record."""
    runtime = runtime_factory(sqlite_url, locale=locale)
    outcome = runtime.triage.incidents.report(ReportInput(
        text="職員が住民の個人情報を含む写真を投稿しました https://www.instagram.com/p/55", reporter=REPORTER,
        kind_hint="leak"))
    assert outcome.incident is not None
    desk = RecordsDesk(runtime.triage.deps)
    with pytest.raises(PermissionDenied):
        desk.report_file(outcome.incident.id, OTHER, "docx")
    md = desk.timeline_file(outcome.incident.id, None, "md").content.decode("utf-8")
    wanted = "（記録の書き出し）" if locale == "ja" else md_escape("(exporting the records)")
    assert wanted in md and "export)" not in md and "（export" not in md


# -- finding 9: the English leak report names its basis in English, the official title after it -----------------
def test_the_english_leak_report_names_its_basis_in_english(runtime_factory: Callable[..., Runtime],
                                                            sqlite_url: str) -> None:
    """「9. Basis: 旭川市ソーシャルメディアの利用に関するガイドライン」: the English draft's one Japanese-only line."""
    runtime = runtime_factory(sqlite_url, locale="en")
    outcome = runtime.triage.incidents.report(ReportInput(
        text="A staff member posted residents' personal data https://www.instagram.com/p/55", reporter=REPORTER,
        kind_hint="leak"))
    assert outcome.incident is not None
    drafts = runtime.triage.steps.drafts(outcome.incident.id, STAFF)
    text = next(d.text for d in drafts if "Basis:" in d.text)
    assert ("9. Basis: the Asahikawa City social media guideline (旭川市ソーシャルメディアの利用に関するガイドライン)"
            in text)
