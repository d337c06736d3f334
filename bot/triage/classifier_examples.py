"""The examples staff answers stored (classifier_examples): evaluate the model on them, retrain with them.

    incident-bot classify --evaluate            # accuracy on the stored examples (SQLite or DATABASE_URL)
    incident-bot classify --train [--out FILE]  # rebuild the model from the repository corpus + stored examples
    incident-bot classify --purge-examples [--dry-run]  # erase 「報告ではない」 examples past their period

Both are offline: nothing is downloaded, the chat platforms are not contacted. Erased examples (text NULL) are
skipped; restricted ones are read by the operator only, as every other CLI command does.
"""

from __future__ import annotations

import argparse
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any, TextIO

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot.triage.classifier_build import Example, default_output
from bot.triage.classifier_build import main as build_main
from bot.triage.classifier_retention import purge_unlinked_examples
from bot.triage.classify import NONE, Classifier
from storage.models import ClassifierExample


def stored_examples(sessions: sessionmaker[Session]) -> list[tuple[Example, str]]:
    """(example, source) for every stored example that still has its text, oldest first."""
    with sessions.begin() as session:
        rows = session.execute(select(ClassifierExample).where(ClassifierExample.text.is_not(None))
                               .order_by(ClassifierExample.id)).scalars().all()
        return [(Example(row.text or "", row.kind, "stored"), row.source) for row in rows]


def evaluate(classifier: Classifier, examples: list[tuple[Example, str]]) -> dict[str, dict[str, int]]:
    """Counts per label: n, right (kind right, outcome report), unsure_right, left_alone (chatter or unsure)."""
    counts: dict[str, Counter[str]] = defaultdict(Counter)
    for example, source in examples:
        result = classifier.classify(example.text)
        for key in (example.kind, f"source:{source}", "all"):
            c = counts[key]
            c["n"] += 1
            if example.kind == NONE:
                c["right"] += result.outcome == "chatter"
                c["left_alone"] += result.outcome != "report"
            else:
                c["right"] += result.kind == example.kind and result.outcome == "report"
                c["unsure_right"] += result.kind == example.kind and result.outcome == "unsure"
    return {key: dict(c) for key, c in sorted(counts.items())}


def _pct(part: int, whole: int) -> str:
    return f"{100 * part / whole:5.1f} %" if whole else "    —"


def cli(runtime: Any, args: argparse.Namespace, stdout: TextIO) -> int:
    """incident-bot classify --evaluate | --train | --purge-examples."""
    if getattr(args, "purge_examples", False):
        return purge(runtime, bool(getattr(args, "dry_run", False)), stdout)
    examples = stored_examples(runtime.triage.deps.sessions)
    if args.train:
        out = Path(args.out) if args.out else default_output()
        code = build_main(["--out", str(out)], extra=[e for e, _ in examples])
        if code == 0:
            stdout.write(f"モデルを書き出しました: {out}（保存済みの学習例 {len(examples)} 件を含む）\n")
        return code
    if not examples:
        stdout.write("保存された学習例はまだありません。\n")
        return 0
    classifier = runtime.triage.deps.classifier
    stdout.write("label / source            件数   正解(報告)  正解(迷い含む)  報告扱いせず\n")
    for key, c in evaluate(classifier, examples).items():
        n = c["n"]
        alone = _pct(c.get("left_alone", 0), n) if key in (NONE,) or key.startswith("source:not") else "    —"
        stdout.write(f"{key:<24} {n:>6}   {_pct(c['right'], n)}   {_pct(c['right'] + c.get('unsure_right', 0), n)}"
                     f"      {alone}\n")
    return 0


def purge(runtime: Any, dry_run: bool, stdout: TextIO) -> int:
    """Erase (or count) the 「報告ではない」 examples older than retention.unlinked_examples_days."""
    cat = runtime.triage.catalog
    days = runtime.settings.file.retention.unlinked_examples_days or None
    if days is None:
        stdout.write(cat.t("retention.examples_kept") + "\n")
        return 0
    count = purge_unlinked_examples(runtime.triage.deps, days, dry_run=dry_run)
    stdout.write(cat.t("retention.examples_due" if dry_run else "retention.examples_purged", count=count,
                       days=days) + "\n")
    return 0
