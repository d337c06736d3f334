"""Relay frames and routing questions (session 17) around every held-out report of the older batches.

    .venv/bin/python -m bench.eval_frames [--model MODEL.json.gz]

Prints, per frame, how many of those reports the model then misses (outcome ``chatter``) and how many it gets
right (kind right, ``report`` or ``unsure``); the first row is the reports as written. The frames were written
before the model was changed, by the author of x_symptoms and y_citizen_relayed, whose batches are left out.
``--s18`` scores the routing questions session 18 wrote before changing anything (its author wrote
a2_s18_corpus, also left out); ``--s19`` session 19's off-hours openers and sign-offs (its author wrote the two
a2_s19 batches, left out too).
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

SAME_AUTHOR = ("x_symptoms_heldout", "y_citizen_relayed_heldout", "a2_s18_corpus_heldout",
               "a2_s19_night_duty_heldout", "a2_s19_sns_native_heldout")
FRAMES = (
    ("", "うちで何かすることありますか"),
    ("", "どちらに回せばよいでしょうか"),
    ("", "こちらで対応したほうがいいですか？"),
    ("市民の方からお電話で「", "」とのことでした。"),
    ("窓口に来られた方が「", "」と言うてはりました。どうしましょう"),
    ("お客さんに「", "」って言われたんですが、うちで何かすることありますか"),
    ('A resident told me: "', '" Should I pass this on to someone?'),
    ("区長さんが『", "』と言うとったけど、ほんまかいな。一応お伝えしときます"),
)
# Session 18: routing questions before and after a report, written before the routing-question treatment.
S18_FRAMES = (
    ("", "。どこに連絡すればいいでしょうか"),
    ("", "。広報課に回したほうがいいですか？"),
    ("", "、誰に報告すべきですか"),
    ("", "。担当はどちらになりますか？"),
    ("", "。私の方で何かしたほうがいいですか"),
    ("", "。このまま様子見でいいですか？"),
    ("", "。上に上げるべきでしょうか"),
    ("", " Who should I report this to?"),
    ("", " What should I do?"),
    ("どこに相談したらいいかわからないので、ここに書きます。", ""),
    ("誰に言えばいいのかわからないんですが、", ""),
    ("担当がどこかわからないのですが、", ""),
    ("Not sure who to tell, but ", ""),
)
# Session 19: off-hours openers and sign-offs (voice-input fillers, a relayer's self-introduction, a forwarded
# mail's header, pass-it-on requests, closing formulas), written before the model or features were changed.
S19_FRAMES = (
    ("", "。月曜に担当の方へ伝えてください"),
    ("", "。広報課にもお伝えください"),
    ("", "。ご報告まで"),
    ("", "。取り急ぎ一報まで"),
    ("", " 以上です"),
    ("", "。連絡だけしておきます"),
    ("えー ", ""),
    ("あのー すみません ", ""),
    ("えーと 宿直です えー ", ""),
    ("宿直の者です。", ""),
    ("警備室です。夜分失礼します。", ""),
    ("-----Original Message-----\nFrom: 総務課\nSubject: 転送\n", ""),
    ("Um, ", ""),
    ("", " Please pass this on to the PR team on Monday."),
)


def main(argv: list[str] | None = None) -> int:
    """Missed and right per frame over the older held-out reports."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", type=Path, help="model file to score instead of the packaged model")
    parser.add_argument("--s18", action="store_true", help="session 18's routing questions instead of session 17's")
    parser.add_argument("--s19", action="store_true", help="session 19's off-hours openers and sign-offs")
    args = parser.parse_args(argv)
    frames = S19_FRAMES if args.s19 else S18_FRAMES if args.s18 else FRAMES
    model = Classifier() if args.model is None else Classifier.from_file(args.model)
    rows = [
        json.loads(line)
        for path in corpus_paths(ROOT, held_out=True)
        if path.stem not in SAME_AUTHOR
        for line in path.read_text(encoding="utf-8").splitlines()
        if line.strip()
    ]
    reports = [row for row in rows if row["kind"] != NONE]
    print(f"| frame (around {len(reports)} held-out reports) | missed | right kind, report or unsure |")
    print("|---|--:|--:|")
    total = 0
    for before, after in (("", ""), *frames):
        missed = right = 0
        for row in reports:
            result = model.classify(before + row["text"] + after)
            missed += result.outcome == "chatter"
            right += result.kind == row["kind"] and result.outcome != "chatter"
        total += missed if before or after else 0
        print(f"| {before}…{after} | {missed} | {right} |" if before or after else f"| (none) | {missed} | {right} |")
    print(f"| **all {len(frames)} frames** | **{total}** | |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
