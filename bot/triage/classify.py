"""Rule-based classifier that recognises incident reports in staff chat messages."""

from __future__ import annotations

import math
import re
import threading
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any, Mapping

import yaml

from bot.triage.normalize import normalize

__all__ = ["KINDS", "NONE", "Classification", "Classifier", "classify", "default_classifier", "load_terms"]

KINDS: tuple[str, ...] = ("flaming", "impersonation", "misinformation", "leak", "account_takeover")
NONE = "none"
TERMS_RESOURCE = "classifier_terms.yaml"

_KIND_TIERS = ("strong", "weak", "exclude")
_CONTEXT_TIERS = ("situation", "meta", "neutral")
_DEFAULT_SETTINGS: dict[str, Any] = {
    "strong_weight": 0.8, "weak_weight": 0.35, "situation_weight": 0.3, "meta_weight": 0.7,
    "min_cue": 0.3, "report_threshold": 0.8, "slope": 3.0, "situation_cap": 1.2, "meta_cap": 2.0,
    "cue_cap": 2.5, "max_chars": 8000, "max_evidence": 12, "priority": list(KINDS),
}
_ASCII_WORD = re.compile(r"[a-z0-9]")

try:  # Only used to order regex alternatives by the shortest text they can match.
    from re import _parser as _sre_parser  # type: ignore[attr-defined]
except ImportError:  # pragma: no cover - other interpreters
    _sre_parser = None


@dataclass(frozen=True)
class Classification:
    """Outcome of classifying one message: kind, confidence in 0..1 and the cues that decided it."""

    kind: str
    confidence: float
    evidence: tuple[str, ...]


@dataclass(frozen=True)
class _Term:
    """One compiled term: where it came from and what it is worth."""

    tier: str
    weight: float
    source: str


def load_terms(path: str | Path | None = None) -> dict[str, Any]:
    """Term data from a YAML file, or the packaged classifier_terms.yaml when no path is given."""
    if path is None:
        text = resources.files("bot.triage").joinpath(TERMS_RESOURCE).read_text(encoding="utf-8")
    else:
        text = Path(path).read_text(encoding="utf-8")
    data = yaml.safe_load(text)
    if not isinstance(data, dict):
        raise ValueError("classifier terms must be a mapping")
    return data


def _term_pattern(raw: str) -> tuple[str, int, int]:
    """Regex source for one YAML term plus its (min, max) match width for ordering."""
    if raw.startswith("re:"):
        source = raw[3:]
        compiled = re.compile(source)
        if compiled.groups:
            raise ValueError(f"classifier term {raw!r} must not contain capturing groups")
        if _sre_parser is not None:
            low, high = _sre_parser.parse(source).getwidth()
            return source, low, min(high, 1000)
        return source, len(source), len(source)
    prefix_only = raw.endswith("*") and len(raw) > 1
    text = normalize(raw[:-1] if prefix_only else raw)
    if not text:
        raise ValueError(f"classifier term {raw!r} is empty after normalisation")
    source = re.escape(text)
    if _ASCII_WORD.match(text[0]):
        source = r"(?<![a-z0-9])" + source
    if _ASCII_WORD.match(text[-1]) and not prefix_only:
        source += r"(?![a-z0-9])"
    return source, len(text), len(text)


def _compile_table(entries: list[tuple[str, str, float]]) -> tuple[re.Pattern[str] | None, tuple[_Term, ...]]:
    """One alternation regex (one group per term, longest first) and the terms by group index."""
    built: list[tuple[int, int, str, _Term]] = []
    seen: set[str] = set()
    for raw, tier, weight in entries:
        source, low, high = _term_pattern(raw)
        if source in seen:
            raise ValueError(f"classifier term {raw!r} is listed twice in one table")
        seen.add(source)
        built.append((low, high, source, _Term(tier=tier, weight=weight, source=raw)))
    if not built:
        return None, ()
    built.sort(key=lambda item: (-item[0], -item[1]))
    pattern = re.compile("|".join(f"({source})" for _, _, source, _ in built))
    return pattern, (_Term("", 0.0, ""),) + tuple(term for _, _, _, term in built)


def _entries(table: Any, tiers: tuple[str, ...], defaults: Mapping[str, float], where: str) -> list[tuple[str, str, float]]:
    """Flatten {tier: {term: weight|null} | [term, ...]} into (term, tier, weight) triples."""
    if table is None:
        return []
    if not isinstance(table, dict):
        raise ValueError(f"{where} must be a mapping of tiers")
    unknown = set(table) - set(tiers)
    if unknown:
        raise ValueError(f"{where}: unknown tiers {sorted(unknown)}")
    out: list[tuple[str, str, float]] = []
    for tier in tiers:
        terms = table.get(tier) or {}
        if isinstance(terms, list):
            terms = {term: None for term in terms}
        for term, weight in terms.items():
            value = defaults[tier] if weight is None else weight
            if not isinstance(value, (int, float)) or isinstance(value, bool):
                raise ValueError(f"{where}.{tier}: weight of {term!r} must be a number")
            out.append((str(term), tier, float(value)))
    return out


class Classifier:
    """Weighted-cue classifier; build once from term data, then call classify() from any thread."""

    def __init__(self, terms: Mapping[str, Any] | None = None) -> None:
        data = load_terms() if terms is None else terms
        settings = dict(_DEFAULT_SETTINGS)
        settings.update(data.get("settings") or {})
        unknown = set(settings) - set(_DEFAULT_SETTINGS)
        if unknown:
            raise ValueError(f"settings: unknown keys {sorted(unknown)}")
        defaults = {"strong": settings["strong_weight"], "weak": settings["weak_weight"], "exclude": 0.0,
                    "situation": settings["situation_weight"], "meta": settings["meta_weight"], "neutral": 0.0}
        kinds = data.get("kinds") or {}
        if not isinstance(kinds, dict) or not kinds:
            raise ValueError("kinds must be a non-empty mapping")
        order = [k for k in settings["priority"] if k in kinds] + [k for k in kinds if k not in settings["priority"]]
        compiled = []
        for kind in order:
            pattern, table = _compile_table(_entries(kinds[kind], _KIND_TIERS, defaults, f"kinds.{kind}"))
            if pattern is not None:
                compiled.append((kind, pattern, table))
        self._kinds: tuple[tuple[str, re.Pattern[str], tuple[_Term, ...]], ...] = tuple(compiled)
        context, context_terms = _compile_table(_entries(data.get("context"), _CONTEXT_TIERS, defaults, "context"))
        self._context = context
        self._context_terms = context_terms
        self.kinds: tuple[str, ...] = tuple(kind for kind, _, _ in compiled)
        self._min_cue = float(settings["min_cue"])
        self._threshold = float(settings["report_threshold"])
        self._slope = float(settings["slope"])
        self._situation_cap = float(settings["situation_cap"])
        self._meta_cap = float(settings["meta_cap"])
        self._cue_cap = float(settings["cue_cap"])
        self._max_chars = int(settings["max_chars"])
        self._max_evidence = int(settings["max_evidence"])
        self._plain_none = Classification(NONE, self._none_confidence(0.0), ())

    @classmethod
    def from_file(cls, path: str | Path) -> Classifier:
        """A classifier built from a YAML term file on disk."""
        return cls(load_terms(path))

    def _probability(self, z: float) -> float:
        """Probability-like score that a message with evidence z is a report."""
        return 1.0 / (1.0 + math.exp(-self._slope * (z - self._threshold)))

    def _none_confidence(self, z: float) -> float:
        """Confidence that a message with evidence z is not a report."""
        return round(1.0 - self._probability(z), 3)

    def classify(self, text: str) -> Classification:
        """Classify one chat message as an incident kind or "none"."""
        if not isinstance(text, str):
            raise TypeError(f"classify() needs str, got {type(text).__name__}")
        if len(text) > self._max_chars:
            text = text[: self._max_chars]
        norm = normalize(text)
        best_kind = ""
        best = second = 0.0
        best_hits: list[tuple[_Term, str]] | None = None
        for kind, pattern, terms in self._kinds:
            score = 0.0
            seen = 0
            hits: list[tuple[_Term, str]] | None = None
            for match in pattern.finditer(norm):
                index = match.lastindex or 0
                bit = 1 << index
                if seen & bit:
                    continue
                seen |= bit
                term = terms[index]
                score += term.weight
                if hits is None:
                    hits = []
                hits.append((term, match.group()))
            if hits is None:
                continue
            if score > best:
                second, best, best_kind, best_hits = best, score, kind, hits
            elif score > second:
                second = score
        if best < self._min_cue or best_hits is None:
            if best_hits is None:
                return self._plain_none
            return Classification(NONE, self._none_confidence(max(best, 0.0)), self._evidence(best_hits, ()))
        situation = meta = 0.0
        context_hits: list[tuple[_Term, str]] = []
        if self._context is not None:
            seen = 0
            for match in self._context.finditer(norm):
                index = match.lastindex or 0
                bit = 1 << index
                if seen & bit:
                    continue
                seen |= bit
                term = self._context_terms[index]
                if term.tier == "situation":
                    situation += term.weight
                elif term.tier == "meta":
                    meta += term.weight
                else:
                    continue
                context_hits.append((term, match.group()))
        cue = min(best, self._cue_cap)
        z = cue + min(situation, self._situation_cap) - min(meta, self._meta_cap)
        evidence = self._evidence(best_hits, context_hits)
        if z < self._threshold:
            return Classification(NONE, self._none_confidence(z), evidence)
        margin = 0.5 + 0.5 * (best - max(second, 0.0)) / best
        return Classification(best_kind, round(self._probability(z) * margin, 3), evidence)

    def _evidence(self, cues: list[tuple[_Term, str]], context: list[tuple[_Term, str]]) -> tuple[str, ...]:
        """Readable "tier:matched text" labels, kind cues first."""
        labels = [f"{term.tier}:{matched}" for term, matched in cues]
        labels.extend(f"{term.tier}:{matched}" for term, matched in context)
        return tuple(labels[: self._max_evidence])

    def explain(self, text: str) -> dict[str, Any]:
        """Per-kind cue scores and context sums for one message; for tuning, not for hot paths."""
        norm = normalize(text[: self._max_chars])
        scores: dict[str, float] = {}
        for kind, pattern, terms in self._kinds:
            found = {match.lastindex or 0 for match in pattern.finditer(norm)}
            scores[kind] = round(sum(terms[i].weight for i in found), 3)
        context: dict[str, float] = {"situation": 0.0, "meta": 0.0}
        if self._context is not None:
            for i in {match.lastindex or 0 for match in self._context.finditer(norm)}:
                term = self._context_terms[i]
                if term.tier in context:
                    context[term.tier] = round(context[term.tier] + term.weight, 3)
        return {"normalized": norm, "scores": scores, **context, "result": self.classify(text)}


_default: Classifier | None = None
_default_lock = threading.Lock()


def default_classifier() -> Classifier:
    """The shared classifier built from the packaged term file on first use."""
    global _default
    if _default is None:
        with _default_lock:
            if _default is None:
                _default = Classifier()
    return _default


def classify(text: str) -> Classification:
    """Classify one message with the default classifier."""
    return default_classifier().classify(text)
