"""Accuracy of the old term-table classifier and the trained model on the held-out corpus batches, side by side.

    .venv/bin/python -m bench.eval_classify [--json | --summary | --counts] [--model MODEL.json.gz] [FILE.jsonl ...]

Without files it scores every held-out file of tests/data/corpus (bot.triage.classifier_build.HELD_OUT), which
the model builder never reads; --counts prints the new model's figures in rows rather than per cent; --model
scores a model file (e.g. one rebuilt elsewhere with --out) instead of the packaged one; --summary prints one
row per batch, as in bench/README.md; --delivered scores rows that name a platform (t_platform_markup_heldout)
on the text its adapter hands the core instead of the raw markup (bench/platform_text.py). Per batch and kind:
  right     kind right and outcome ``report``            (strict)
  +unsure   kind right but outcome ``unsure``             (the poster is asked with that kind first)
  missed    outcome ``chatter`` for a report              (in a report channel: no question, no incident)
  alone     chatter left alone: outcome ``chatter`` or ``unsure`` (``unsure`` only asks the poster, privately)
  dropped   explicit-intent reports (DM, mention, slash, shortcut, console) the core would not take up: always 0
            by design (bot.triage.classifier_intake.intake_action), counted here to prove it
  asked     explicit-intent reports the poster is asked about (kind picked) instead of opened: ``unsure`` and
            ``chatter`` (before session 14, ``unsure`` opened on the best guess: only ``chatter`` was asked)
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import defaultdict
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.platform_text import delivered  # noqa: E402
from bot.triage.classifier_build import corpus_paths  # noqa: E402
from bot.triage.classifier_intake import intake_action  # noqa: E402
from bot.triage.classifier_terms import TermClassifier  # noqa: E402
from bot.triage.classify import KINDS, NONE, Classifier  # noqa: E402


def load(path: Path) -> list[dict[str, Any]]:
    """Rows of one JSONL file."""
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def raw(row: dict[str, Any]) -> str:
    """A row's text as written in the corpus file."""
    return str(row["text"])


def score(classify: Any, rows: list[dict[str, Any]], text: Any = raw) -> dict[str, dict[str, int]]:
    """Counts per gold kind (and 'all reports', 'hard none', 'no keyword') for one classifier on rows."""
    counts: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for row in rows:
        result = classify(text(row))
        gold = row["kind"]
        keys = [gold]
        if gold == NONE:
            keys += ["hard none"] if row.get("hard") else []
        else:
            keys += ["all reports"] + (["no keyword"] if row.get("kw") is False else [])
        for key in keys:
            c = counts[key]
            c["n"] += 1
            if gold == NONE:
                c["alone"] += result.outcome != "report"
                c["unsure"] += result.outcome == "unsure"
            else:
                right = result.kind == gold
                c["right"] += right and result.outcome == "report"
                c["+unsure"] += right and result.outcome == "unsure"
                c["wrong"] += not right and result.outcome == "report"
                c["missed"] += result.outcome == "chatter"
                c["dropped"] += intake_action(result, explicit=True) == "ignore"
                c["asked"] += intake_action(result, explicit=True) == "ask"
    return counts


def pct(part: int, whole: int) -> str:
    return f"{100 * part / whole:.1f}" if whole else "—"


def table(results: dict[str, dict[str, dict[str, dict[str, int]]]]) -> str:
    """Markdown table: one row per batch and kind, old and new figures side by side."""
    lines = ["| batch | kind | n | old: right kind % | new: right kind % (report) | new: + unsure % | "
             "new: missed | old: chatter left alone % | new: chatter left alone % | new: unsure | dropped |",
             "|---|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|"]
    order = list(KINDS) + ["all reports", "no keyword", NONE, "hard none"]
    for batch, by_model in results.items():
        old, new = by_model["old"], by_model["new"]
        for kind in order:
            if kind not in new:
                continue
            o, n = old[kind], new[kind]
            if kind in (NONE, "hard none"):
                lines.append(f"| {batch} | {kind} | {n['n']} | | | | | {pct(o['alone'], o['n'])} | "
                             f"{pct(n['alone'], n['n'])} | {n['unsure']} | |")
            else:
                lines.append(f"| {batch} | {kind} | {n['n']} | {pct(o['right'], o['n'])} | {pct(n['right'], n['n'])} "
                             f"| {pct(n['right'] + n['+unsure'], n['n'])} | {n['missed']} | | | | {n['dropped']} |")
    return "\n".join(lines)


def summary(results: dict[str, dict[str, dict[str, dict[str, int]]]]) -> str:
    """Markdown table: one row per batch (all reports, all chatter), the columns of bench/README.md."""
    lines = ["| held-out batch | reports | old: right kind % | new: right kind, report % | new: right kind, report or "
             "unsure % | new: reports missed (chatter) | chatter | old: left alone % | new: left alone % | "
             "new: chatter asked (unsure) | explicit dropped | explicit asked |",
             "|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|"]
    empty: dict[str, int] = defaultdict(int)
    for batch, by_model in results.items():
        old, new = by_model["old"], by_model["new"]
        o, n = old.get("all reports", empty), new.get("all reports", empty)
        oc, nc = old.get(NONE, empty), new.get(NONE, empty)
        lines.append(f"| {batch} | {n['n']} | {pct(o['right'], o['n'])} | {pct(n['right'], n['n'])} | "
                     f"{pct(n['right'] + n['+unsure'], n['n'])} | {n['missed']} | {nc['n']} | "
                     f"{pct(oc['alone'], oc['n'])} | {pct(nc['alone'], nc['n'])} | {nc['unsure']} | {n['dropped']} | "
                     f"{n['asked']} |")
    return "\n".join(lines)


def counts(results: dict[str, dict[str, dict[str, dict[str, int]]]]) -> str:
    """Markdown table of the new model in counts, by harm: missed, opened under a wrong kind, chatter opened."""
    lines = ["| batch | reports | opened right kind | opened wrong kind | missed | chatter | chatter opened | "
             "chatter asked |", "|---|--:|--:|--:|--:|--:|--:|--:|"]
    empty: dict[str, int] = defaultdict(int)
    for batch, by_model in results.items():
        n, nc = by_model["new"].get("all reports", empty), by_model["new"].get(NONE, empty)
        lines.append(f"| {batch} | {n['n']} | {n['right']} | {n['wrong']} | {n['missed']} | {nc['n']} | "
                     f"{nc['n'] - nc['alone']} | {nc['unsure']} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Score the held-out batches (or the given files) with both classifiers."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("files", nargs="*", type=Path)
    parser.add_argument("--json", action="store_true", help="JSON counts instead of the table")
    parser.add_argument("--summary", action="store_true", help="one row per batch instead of one per kind")
    parser.add_argument("--counts", action="store_true", help="one row per batch in counts (new model only)")
    parser.add_argument("--model", type=Path, help="model file to score instead of the packaged model")
    parser.add_argument("--delivered", action="store_true",
                        help="score each row with a platform on the text its adapter hands the core")
    args = parser.parse_args(argv)
    paths = args.files or corpus_paths(ROOT, held_out=True)
    old, new = TermClassifier(), Classifier() if args.model is None else Classifier.from_file(args.model)
    text = delivered if args.delivered else raw
    results: dict[str, dict[str, dict[str, dict[str, int]]]] = {}
    every: dict[str, list[dict[str, Any]]] = {"ALL held-out": []}
    for path in paths:
        rows = load(path)
        every["ALL held-out"].extend(rows)
        results[path.stem] = {"old": score(old.classify, rows, text), "new": score(new.classify, rows, text)}
    if len(paths) > 1:
        rows = every["ALL held-out"]
        results["ALL held-out"] = {"old": score(old.classify, rows, text), "new": score(new.classify, rows, text)}
    if args.json:
        print(json.dumps(results, ensure_ascii=False, indent=1))
    elif args.summary:
        print(summary(results))
    elif args.counts:
        print(counts(results))
    else:
        print(table(results))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
