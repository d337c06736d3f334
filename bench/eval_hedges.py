"""Hedges outside the list in classifier_features (session 14): each prefixed to every held-out report.

    .venv/bin/python -m bench.eval_hedges [--model MODEL.json.gz]

Prints, per hedge, how many held-out reports the model then misses (outcome ``chatter``) and how many it gets
right (kind right, ``report`` or ``unsure``); the first row is the reports as written. The hedges were written
before the pattern was generalised, none of them in the session 13 list (docs/classifier.md).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.triage.classifier_build import corpus_paths  # noqa: E402
from bot.triage.classify import NONE, Classifier  # noqa: E402

NEW_HEDGES = (
    "もしかしたら問題ないかもですが、",
    "私の勘違いかもしれないのですが、",
    "大したことではないかもしれませんが、",
    "杞憂かもしれませんが、",
    "余計なお世話かもですが、",
    "取り越し苦労かもしれませんが、",
    "思い過ごしならいいのですが、",
    "考えすぎかもしれませんけど、",
    "ひょっとすると何でもないかもしれませんが、",
    "既にご存じかもしれませんが、",
    "見当違いでしたら申し訳ありませんが、",
    "素人考えかもしれませんが、",
    "気にしすぎかもしれないけど、",
    "お節介かもしれませんが、",
    "ひょっとしたら私の見間違いかもですが、",
    "Sorry if this is a false alarm, ",
    "I might be overthinking this, but ",
    "Not sure it matters, but ",
)


def main(argv: list[str] | None = None) -> int:
    """Missed and right per hedge over every held-out report."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", type=Path, help="model file to score instead of the packaged model")
    args = parser.parse_args(argv)
    model = Classifier() if args.model is None else Classifier.from_file(args.model)
    rows = [json.loads(line) for path in corpus_paths(ROOT, held_out=True)
            for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    reports = [row for row in rows if row["kind"] != NONE]
    print(f"| hedge (prefixed to {len(reports)} held-out reports) | missed | right kind, report or unsure |")
    print("|---|--:|--:|")
    total = 0
    for hedge in ("", *NEW_HEDGES):
        missed = right = 0
        for row in reports:
            result = model.classify(hedge + row["text"])
            missed += result.outcome == "chatter"
            right += result.kind == row["kind"] and result.outcome != "chatter"
        total += missed if hedge else 0
        print(f"| {hedge or '(none)'} | {missed} | {right} |")
    print(f"| **all {len(NEW_HEDGES)} hedges** | **{total}** | |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
