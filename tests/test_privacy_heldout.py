"""The privacy cues measured on staff messages written for session 19 (docs/qa/session19_privacy.md).

Four sets, each written before the rules were changed after it: privacy_heldout (150), privacy_blind (63),
privacy_final (62), privacy_last (40). `python -m tests.test_privacy_heldout` prints the figures, the cues alone and
with the classifier (a report restricts when its kind is 'leak' or its text exposes personal data).
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from bot.triage.privacy_cues import exposes_personal_data

DATA = Path(__file__).parent / "data"
SETS = ("privacy_heldout", "privacy_blind", "privacy_final", "privacy_last")
# At most this many leaks missed and look-alikes restricted by the cues alone, per set (the figures at the end of
# session 19; the unchanged code missed 81, 38, 36 and 22 and restricted 2, 2, 0 and 1).
CEILINGS = {"privacy_heldout": (0, 1), "privacy_blind": (0, 0), "privacy_final": (1, 1), "privacy_last": (1, 0)}


def rows(name: str) -> list[dict[str, object]]:
    """The messages of one set: text, whether it must restrict, its class."""
    with (DATA / f"{name}.jsonl").open(encoding="utf-8") as lines:
        return [json.loads(line) for line in lines if line.strip()]


def tally(name: str, *, with_classifier: bool = False) -> Counter[str]:
    """How many restricted rightly ('ok'), leaks missed ('missed') and look-alikes restricted ('false')."""
    classify = None
    if with_classifier:
        from bot.triage.classify import classify
    counts: Counter[str] = Counter()
    for row in rows(name):
        text, must = str(row["text"]), bool(row["restrict"])
        said = exposes_personal_data(text)
        if classify is not None and not said:
            result = classify(text)
            said = result.kind == "leak" and result.outcome != "chatter"
        counts["ok" if said is must else "missed" if must else "false"] += 1
    return counts


@pytest.mark.parametrize("name", SETS)
def test_the_cues_hold_their_figures_on_the_written_sets(name: str) -> None:
    """The cues alone miss and over-restrict no more than they did at the end of session 19."""
    counts = tally(name)
    missed, false = CEILINGS[name]
    assert counts["missed"] <= missed and counts["false"] <= false, dict(counts)


if __name__ == "__main__":
    for name in SETS:
        total = len(rows(name))
        print(name, total, "cues:", dict(tally(name)), "with classifier:", dict(tally(name, with_classifier=True)))
