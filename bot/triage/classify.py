"""Recognise incident reports in staff chat: a trained n-gram model gives kind, calibrated confidence and outcome.

Outcomes: ``report`` (open an incident), ``unsure`` (ask the poster privately), ``chatter`` (leave it alone).
The model is package data built by ``python -m bot.triage.classifier_build`` (see bench/README.md).
"""

from __future__ import annotations

import re
import threading
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

__all__ = ["KINDS", "NONE", "OUTCOMES", "Classification", "Classifier", "classify", "default_classifier"]

KINDS: tuple[str, ...] = ("flaming", "impersonation", "misinformation", "leak", "account_takeover")
NONE = "none"
# The gate and the core classify the same post one after the other (bot/delivery/intake.leaves_alone, then
# IncidentDesk.report): the second answer comes from here. Small: only that hand-over needs it.
RECENT_RESULTS = 64
RECENT_MAX_CHARS = 4_000  # longer texts are scored again rather than kept
# A kind the poster named in so many words outranks the n-grams' choice of kind, when the words name one kind only:
# the model weighs the whole message, and 「市のXアカウントで申請者の個人情報が漏えいしています」 read as なりすまし
# (「アカウント」, x.com). It never decides whether a message is a report. Hypotheticals (「乗っ取られる」) and other
# leaks (ガス漏えい) name nothing.
NAMED_KINDS: dict[str, re.Pattern[str]] = {
    "leak": re.compile(r"(?<!ガス)(?<!水)(?:漏えい|漏洩)"),
    "account_takeover": re.compile(r"乗っ取られ(?!る)|乗っ取りにあ|乗っ取り被害"),
    "impersonation": re.compile(r"なりすまし|成りすまし|成り済まし|なり済まし|偽アカウント|偽アカ"),
    "flaming": re.compile(r"炎上"),
    "misinformation": re.compile(r"デマ|誤情報|偽情報|フェイクニュース"),
}
Outcome = Literal["report", "unsure", "chatter"]
OUTCOMES: tuple[Outcome, ...] = ("report", "unsure", "chatter")


@dataclass(frozen=True)
class Classification:
    """One message classified: best-guess kind (``none`` for chatter), confidence in 0..1, outcome, candidates.

    confidence is the probability of ``kind`` (of being chatter when the outcome is chatter); candidates are
    the kinds by probability, most likely first, for a kind picker.
    """

    kind: str
    confidence: float
    evidence: tuple[str, ...] = ()
    outcome: Outcome = "report"
    candidates: tuple[tuple[str, float], ...] = ()
    report_probability: float = 0.0


class Classifier:
    """The packaged (or a given) model with its report/chatter thresholds; thread-safe after construction."""

    def __init__(self, model: Any = None, thresholds: Any = None) -> None:
        """model: a LinearModel (default: the packaged one); thresholds: a classifier_model.Thresholds to use
        instead of the model's own (a stricter or looser channel)."""
        from bot.triage.classifier_elsewhere import elsewhere_prepared
        from bot.triage.classifier_features import prepare
        from bot.triage.classifier_model import LinearModel
        from bot.triage.classifier_praise import praise_only_prepared

        # numpy loads with the model, not on import
        self._prepare, self._praise_only, self._elsewhere = prepare, praise_only_prepared, elsewhere_prepared
        self.model: LinearModel = LinearModel.load() if model is None else model
        classes = self.model.classes
        if NONE not in classes:
            raise ValueError("classifier model has no 'none' class")
        self._none = classes.index(NONE)
        self._kinds = tuple((i, k) for i, k in enumerate(classes) if k != NONE)
        self.kinds = tuple(k for _, k in self._kinds)
        self.thresholds = self.model.thresholds if thresholds is None else thresholds
        self._recent = lru_cache(maxsize=RECENT_RESULTS)(self._scored)

    @classmethod
    def from_file(cls, path: str | Path) -> Classifier:
        """A classifier from a model file on disk (e.g. one retrained with stored examples)."""
        from bot.triage.classifier_model import LinearModel

        return cls(LinearModel.load(path))

    def classify(self, text: str) -> Classification:
        """Classify one chat message."""
        if not isinstance(text, str):
            raise TypeError(f"classify() needs str, got {type(text).__name__}")
        return self._scored(text) if len(text) > RECENT_MAX_CHARS else self._recent(text)

    def _scored(self, text: str) -> Classification:
        """Classify one chat message with the model (no recent result)."""
        prepared = self._prepare(text)  # once: the model's n-grams and the praise cue read the same text
        probs = self.model.probabilities_prepared(prepared)
        p_none = float(probs[self._none])
        ranked = sorted(((k, float(probs[i])) for i, k in self._kinds), key=lambda item: -item[1])
        candidates = tuple((k, round(p, 3)) for k, p in ranked)
        p_report = 1.0 - p_none
        if p_report < self.thresholds.chatter:
            return Classification(NONE, round(p_none, 3), (), "chatter", candidates, round(p_report, 3))
        outcome: Outcome = "report" if p_report >= self.thresholds.report else "unsure"
        if outcome == "report" and (self._praise_only(prepared) or self._elsewhere(prepared)):
            outcome = "unsure"  # good news, a drill, another town's incident: asked, never opened unasked
        named = named_kind(text)
        if named is not None and named[0] != ranked[0][0]:  # the named kind first, for the kind picker too
            ranked.sort(key=lambda item: item[0] != named[0])
            candidates = tuple((k, round(p, 3)) for k, p in ranked)
        kind, p_kind = ranked[0]
        return Classification(kind, round(p_kind, 3), (named[1],) if named else (), outcome, candidates,
                              round(p_report, 3))

    def explain(self, text: str) -> dict[str, Any]:
        """The result with the n-grams that pushed it most; for tuning, not for hot paths."""
        result = self.classify(text)
        klass = result.kind if result.kind in self.model.classes else NONE
        return {"result": result, "top_features": self.model.top_features(text, klass)}


def named_kind(text: str) -> tuple[str, str] | None:
    """(kind, the words) when the text names exactly one kind in so many words (NAMED_KINDS); else None."""
    folded = unicodedata.normalize("NFKC", text[:RECENT_MAX_CHARS])
    found = [(kind, match.group(0)) for kind, pattern in NAMED_KINDS.items() if (match := pattern.search(folded))]
    return found[0] if len(found) == 1 else None


_default: Classifier | None = None
_default_lock = threading.Lock()


def default_classifier() -> Classifier:
    """The shared classifier built from the packaged model on first use."""
    global _default
    if _default is None:
        with _default_lock:
            if _default is None:
                _default = Classifier()
    return _default


def classify(text: str) -> Classification:
    """Classify one message with the default classifier."""
    return default_classifier().classify(text)
