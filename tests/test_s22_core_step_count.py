"""【手順 n/N】: N is the most steps one set of answers can still lead to, not the sum of each step's own chance
(旭川市 炎上 showed 1/8: correct_without_deleting, sincere_response and own_private_post exclude each other)."""

from __future__ import annotations

import itertools
import random
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from bot.triage import step_count
from bot.triage.playbook import PlaybookLibrary, load_library
from bot.triage.playbook_models import InputDef, Playbook
from bot.triage.profiles import Profile

KINDS = ["flaming", "impersonation", "misinformation", "leak", "account_takeover"]
PROFILES = ["asahikawa", "urausu", "iwaki", "chikugo"]
REPO = Path(__file__).resolve().parents[1]
READS = re.compile(r"answers\s*(?:\.\s*(\w+)|\[\s*['\"](\w+)['\"]\s*\])")


@dataclass
class Row:
    """What counted reads of a StepState row."""

    status: str


def _context(answers: dict[str, str]) -> dict[str, Any]:
    return {"answers": answers, "locale": "ja", "incident": {"ref": "INC-0001"}}


def _true_most(library: PlaybookLibrary, kind: str, profile: Profile, answers: dict[str, str],
               settled: set[str]) -> int:
    """The oracle: every combination of every open choice any condition of the playbook reads, applied whole."""
    book: Playbook = library.playbook(kind)
    read = {a or b for step in book.steps for a, b in READS.findall(step.when or "")}
    base = profile.base or profile.id
    open_items: list[InputDef] = [item for step in book.steps if step.applies_to(base) and step.id not in settled
                                  for item in step.inputs if item.id in read and item.id not in answers]
    assert all(item.choices for item in open_items)  # the shipped conditions read choices only
    most = 0
    for trial in itertools.product(*[[c.value for c in item.choices] + [None] for item in open_items]):
        tried = answers | {item.id: value for item, value in zip(open_items, trial, strict=True) if value}
        most = max(most, len(library.applicable_steps(kind, profile, _context(tried))))
    return most


def test_asahikawa_flaming_counts_the_exclusive_steps_once(library: PlaybookLibrary,
                                                           profiles: dict[str, Profile]) -> None:
    """旭川市 炎上 (s21 L2): 8 steps, at most 6 ever apply (one of 7(1)イ, 8(1)カ wording, 8(1)カ private post)."""
    shown = step_count.counted(library, "flaming", profiles["asahikawa"], _context({}), {})
    assert len(shown) == 6, shown
    assert shown[:3] == ["intake", "report", "stay_calm"]
    assert len({"correct_without_deleting", "sincere_response", "own_private_post"} & set(shown)) == 1


@pytest.mark.parametrize("profile_id", PROFILES)
@pytest.mark.parametrize("kind", KINDS)
def test_the_first_count_is_the_true_maximum(library: PlaybookLibrary, profiles: dict[str, Profile],
                                            profile_id: str, kind: str) -> None:
    profile = profiles[profile_id]
    shown = step_count.counted(library, kind, profile, _context({}), {})
    assert len(shown) == _true_most(library, kind, profile, {}, set()), shown


@pytest.mark.parametrize("profile_id", PROFILES)
@pytest.mark.parametrize("kind", ["flaming", "misinformation", "leak"])
def test_every_count_on_a_walk_is_the_true_maximum_and_holds_the_current_step(
        library: PlaybookLibrary, profiles: dict[str, Profile], profile_id: str, kind: str) -> None:
    profile = profiles[profile_id]
    base = profile.base or profile.id
    for seed in range(6):
        pick = random.Random(f"{profile_id}{kind}{seed}")
        answers: dict[str, str] = {}
        states: dict[str, Row] = {}
        totals = []
        while True:
            ids = [step.id for step in library.applicable_steps(kind, profile, _context(answers))]
            current = next((step_id for step_id in ids if step_id not in states), None)
            if current is None:
                break
            shown = step_count.counted(library, kind, profile, _context(answers), states, ids)
            assert shown == step_count.counted(library, kind, profile, _context(answers), states)
            assert len(shown) == _true_most(library, kind, profile, answers, set(states)), (seed, answers)
            assert shown.index(current) + 1 == len(states) + 1  # n: the steps done so far, plus this one
            totals.append(len(shown))
            step = library.playbook(kind).step(current)
            assert step.applies_to(base)
            for item in step.inputs:
                if item.choices and pick.random() < 0.85:
                    answers[item.id] = pick.choice(item.choices).value
            states[current] = Row("done")
        # never grows; the last step's N may still count a step its own answer then closed (5/6, then finished)
        assert totals == sorted(totals, reverse=True) and totals[-1] >= len(states), totals


def test_a_condition_reading_more_than_answers_is_worked_out_per_call(profiles: dict[str, Profile],
                                                                     tmp_path: Path) -> None:
    """A municipality's own conditions may read the severity: their group is enumerated in the incident's context,
    never taken from the cache of another incident's (旭川市 炎上 with 7(1)イ and 8(1)カ for high severity only)."""
    own = tmp_path / "own"
    own.mkdir()
    text = (REPO / "playbooks" / "flaming.yaml").read_text(encoding="utf-8")
    for condition in ("when: \"answers.is_own_error == 'wording' and answers.account_type != 'personal'\"",
                      "when: \"answers.is_own_error not in ('no', 'wording') and answers.account_type != 'personal'\""):
        assert condition in text
        text = text.replace(condition, condition[:-1] + " and severity != 'low'\"")
    (own / "flaming.yaml").write_text(text, encoding="utf-8")
    library = load_library(REPO / "playbooks", profiles, own)
    profile = profiles["asahikawa"]
    for severity, most in (("high", 6), ("low", 5), ("high", 6)):
        context = _context({}) | {"severity": severity}
        shown = step_count.counted(library, "flaming", profile, context, {"intake": Row("done")})
        assert len(shown) == most, (severity, shown)
