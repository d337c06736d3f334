"""`incident-bot retention [--dry-run] [--json]` and `incident-bot timeline verify [--expect SEQ:HASH]`."""

from __future__ import annotations

import argparse
import json
import re
from collections.abc import Sequence
from datetime import datetime
from typing import TextIO

from bot.clock import format_jst, to_jst
from bot.i18n import Catalog
from bot.triage.audit import chain_problem_text, check_posted_head, verify_database
from bot.triage.core import incident_ref
from bot.triage.retention import Due, RetentionPolicy, RetentionReport, run_retention
from bot.wiring import Runtime
from storage.timeline import ChainProblem


def policy_of(runtime: Runtime) -> RetentionPolicy:
    """The retention policy app.yaml sets."""
    return RetentionPolicy.from_settings(runtime.settings.file.retention)


def _policy_line(runtime: Runtime, policy: RetentionPolicy) -> str:
    cat = runtime.triage.catalog

    def days(value: int | None) -> str:
        return cat.t("retention.days", days=value) if value else cat.t("retention.forever")

    by_kind = ", ".join(f"{cat.label('kind', kind)} {days(value)}" for kind, value in sorted(policy.by_kind.items()))
    count_from = cat.t("retention.count_fiscal" if policy.count_from == "next_fiscal_year" else "retention.count_ended")
    return cat.t("retention.policy", default=days(policy.default_days), by_kind=by_kind or "—", count_from=count_from)


def _as_json(report: RetentionReport) -> str:
    def due(items: Sequence[Due]) -> list[dict[str, object]]:
        return [{"id": d.incident_id, "ref": d.ref, "kind": d.kind, "status": d.status,
                 "ended_at": to_jst(d.ended_at).isoformat(), "expires_at": to_jst(d.expires_at).isoformat()}
                for d in items]

    return json.dumps({
        "now": to_jst(report.now).isoformat(), "dry_run": report.dry_run, "due": due(report.due),
        "erased": [{"id": e.incident_id, "ref": e.ref, **e.counts} for e in report.erased],
        "failed": [{"id": i, "ref": incident_ref(i), "error": error} for i, error in report.failed],
        "waiting_to_close": due(report.waiting_to_close), "classifier_examples_purged": report.examples_purged,
    }, ensure_ascii=False, indent=2) + "\n"


def retention(runtime: Runtime, args: argparse.Namespace, stdout: TextIO) -> int:
    """Erase (or with --dry-run only list) the personal data of incidents past retention; 1 if any failed."""
    policy = policy_of(runtime)
    report = run_retention(runtime.triage.deps, policy, dry_run=bool(getattr(args, "dry_run", False)))
    if getattr(args, "json", False):
        stdout.write(_as_json(report))
        return 1 if report.failed else 0
    cat = runtime.triage.catalog

    def when(value: datetime) -> str:
        return format_jst(value, cat.locale)

    stdout.write(_policy_line(runtime, policy) + "\n")
    erased = {e.incident_id: e for e in report.erased}
    failed = dict(report.failed)
    for item in report.due:
        common = {"ref": item.ref, "kind": cat.label("kind", item.kind), "status": cat.label("status", item.status),
                  "ended": when(item.ended_at), "expires": when(item.expires_at)}
        if item.incident_id in erased:
            stdout.write(cat.t("retention.erased_line", **common, **erased[item.incident_id].counts) + "\n")
        elif item.incident_id in failed:
            stdout.write(cat.t("retention.failed_line", ref=item.ref, error=failed[item.incident_id]) + "\n")
        elif report.dry_run:
            stdout.write(cat.t("retention.due_line", **common) + "\n")
    for item in report.waiting_to_close:
        stdout.write(cat.t("retention.waiting_line", ref=item.ref, kind=cat.label("kind", item.kind),
                           expires=when(item.expires_at)) + "\n")
    if not report.due and not report.waiting_to_close:
        stdout.write(cat.t("retention.nothing") + "\n")
    days = policy.unlinked_examples_days
    if days and report.examples_purged:
        key = "retention.examples_due" if report.dry_run else "retention.examples_purged"
        stdout.write(cat.t(key, count=report.examples_purged, days=days) + "\n")
    stdout.write(cat.t("retention.summary", erased=len(report.erased), due=len(report.due),
                       failed=len(report.failed)) + "\n")
    return 1 if report.failed else 0


def problem_text(cat: Catalog, problem: ChainProblem) -> str:
    """One chain problem in the catalogue's locale (bot/triage/audit.py words it)."""
    return chain_problem_text(cat, problem)


def verify(runtime: Runtime, args: argparse.Namespace, stdout: TextIO) -> int:
    """Verify the whole chain and every erased incident; with --expect, also that the chain still holds a head
    posted earlier. 0 when all is well, 1 on any problem, 2 on a malformed --expect."""
    cat = runtime.triage.catalog
    expect = getattr(args, "expect", None)
    expected: tuple[int, str] | None = None
    if expect:
        match = re.fullmatch(r"\s*(\d+)\s*:\s*([0-9a-fA-F]{64})\s*", expect)
        if match is None:
            stdout.write(cat.t("audit.expect_usage") + "\n")
            return 2
        expected = (int(match.group(1)), match.group(2).lower())
    report = verify_database(runtime.triage.deps, RetentionPolicy.from_settings(runtime.settings.file.retention))
    code = 0
    if report.ok:
        stdout.write(cat.t("console.verify_ok", events=report.chain.events, head=report.chain.head_hash) + "\n")
    else:
        lines = report.problem_lines(cat)
        stdout.write(cat.t("console.verify_bad", count=len(lines)) + "\n")
        stdout.writelines(f"  {line}\n" for line in lines)
        code = 1
    if expected is not None:
        found = check_posted_head(runtime.triage.deps, *expected)
        if found is None:
            stdout.write(cat.t("audit.expect_ok", seq=expected[0]) + "\n")
        else:
            stdout.write(cat.t("audit.expect_bad", seq=expected[0], found=found or "—", expected=expected[1]) + "\n")
            code = 1
    return code
