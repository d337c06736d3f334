"""The term-table classifier (the first, rule-based one): kept as a baseline for benchmarks and tuning."""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from bot.triage.classify import KINDS, NONE, Classification
from bot.triage.normalize import fold_kana, normalize

__all__ = ["KINDS", "NONE", "TermClassifier", "load_terms"]

TERMS_RESOURCE = "classifier_terms.yaml"

_KIND_TIERS = ("strong", "weak", "exclude")
_CONTEXT_TIERS = ("situation", "meta", "neutral")
_DEFAULT_SETTINGS: dict[str, Any] = {
    "strong_weight": 0.8, "weak_weight": 0.35, "situation_weight": 0.3, "meta_weight": 0.7,
    "min_cue": 0.3, "report_threshold": 0.7, "slope": 3.0, "situation_cap": 1.2, "meta_cap": 2.0,
    "cue_cap": 2.5, "max_chars": 8000, "max_evidence": 12, "priority": list(KINDS),
}
_ASCII_WORD = re.compile(r"[a-z0-9]")
_CHARS_PER_SCAN = 32  # re checks every first character of a scan at each candidate position
_NO_HITS: tuple[tuple[int, str], ...] = ()

try:  # Only used to order alternatives and to find the characters a term can start with.
    from re import _parser as _sre_parser  # type: ignore[attr-defined]
except ImportError:  # pragma: no cover - other interpreters
    _sre_parser = None  # type: ignore[assignment]


@dataclass(frozen=True)
class _Term:
    """One term of a table: its tier, its weight and its own compiled regex."""

    tier: str
    weight: float
    source: str
    regex: re.Pattern[str]


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


def _first_of(seq: Any) -> tuple[set[str], bool] | None:
    """Characters a parsed regex sequence can start with and whether it can match empty; None if open."""
    out: set[str] = set()
    for op, av in seq:
        name = getattr(op, "name", str(op))
        if name == "LITERAL":
            return out | {chr(av)}, False
        if name in ("ASSERT", "ASSERT_NOT", "AT"):
            continue
        if name == "IN":
            for item_op, item in av:
                item_name = getattr(item_op, "name", str(item_op))
                if item_name == "LITERAL":
                    out.add(chr(item))
                elif item_name == "RANGE" and item[1] - item[0] <= 512:
                    out.update(chr(c) for c in range(item[0], item[1] + 1))
                else:
                    return None
            return out, False
        if name == "SUBPATTERN":
            parts = [av[-1].data]
        elif name == "BRANCH":
            parts = [alt.data for alt in av[1]]
        elif name in ("MAX_REPEAT", "MIN_REPEAT"):
            parts = [av[2].data]
        else:
            return None
        nullable = name in ("MAX_REPEAT", "MIN_REPEAT") and av[0] == 0
        for part in parts:
            got = _first_of(part)
            if got is None:
                return None
            out |= got[0]
            nullable = nullable or got[1]
        if not nullable:
            return out, False
    return out, True


def _term_pattern(raw: str) -> tuple[str, int, int, frozenset[str] | None]:
    """Regex source of one YAML term, its (min, max) match width and the characters it starts with."""
    if raw.startswith("re:"):
        source = fold_kana(raw[3:])
        if re.compile(source).groups:
            raise ValueError(f"classifier term {raw!r} must not contain capturing groups")
    else:
        prefix_only = raw.endswith("*") and len(raw) > 1
        text = normalize(raw[:-1] if prefix_only else raw)
        if not text:
            raise ValueError(f"classifier term {raw!r} is empty after normalisation")
        source = re.escape(text)
        if _ASCII_WORD.match(text[0]):
            source = r"(?<![a-z0-9])" + source
        if _ASCII_WORD.match(text[-1]) and not prefix_only:
            source += r"(?![a-z0-9])"
    if re.compile(source).match("") is not None:
        raise ValueError(f"classifier term {raw!r} can match empty text")
    if _sre_parser is None:
        return source, len(source), len(source), None
    parsed = _sre_parser.parse(source)
    low, high = parsed.getwidth()
    first = _first_of(parsed.data)
    return source, low, min(high, 10_000), None if first is None or first[1] else frozenset(first[0])


class _Table:
    """Terms tried widest first at each position, leftmost and non-overlapping, like one alternation.

    Python's re tries every alternative at every position, so with hundreds of terms the scan is
    dispatched on the first character instead (ASCII letters and digits only at a word start):
    for each character c that some term starts with,
    ``c(?<=(?=(?:terms starting with c))[\\s\\S])`` finds the positions where a term matches (the
    lookbehind steps back over c and the lookahead runs only c's terms). The first characters
    are split over several such scans of at most _CHARS_PER_SCAN each, which is faster than one.
    The term and its end are then found by matching c's terms one by one, and overlapping
    positions are skipped in Python.
    """

    def __init__(self, entries: list[tuple[str, str, float]]) -> None:
        built: list[tuple[int, int, str, frozenset[str] | None, _Term]] = []
        seen: set[str] = set()
        for raw, tier, weight in entries:
            source, low, high, first = _term_pattern(raw)
            if source in seen:
                raise ValueError(f"classifier term {raw!r} is listed twice in one table")
            seen.add(source)
            built.append((low, high, source, first, _Term(tier, weight, raw, re.compile(source))))
        built.sort(key=lambda item: (-item[1], -item[0]))
        self.terms: tuple[_Term, ...] = tuple(item[4] for item in built)
        sources = [item[2] for item in built]
        self.alternation = "|".join(f"(?:{source})" for source in sources)
        firsts = [item[3] for item in built]
        known: set[str] = set().union(*(f for f in firsts if f is not None))
        self._wild = tuple(i for i, f in enumerate(firsts) if f is None)
        self._by_char: dict[str, tuple[int, ...]] = {
            ch: tuple(i for i, f in enumerate(firsts) if f is None or ch in f) for ch in known
        }
        self.scans: tuple[re.Pattern[str], ...] = ()
        if self._wild:  # some term may start with anything: one plain alternation
            self.scans = (re.compile(self.alternation),)
        elif built:
            branches = [
                re.escape(ch) + (r"(?<![a-z0-9][\s\S])" if _ASCII_WORD.match(ch) else "")
                + "(?<=(?=(?:" + "|".join(f"(?:{sources[i]})" for i in indices) + r"))[\s\S])"
                for ch, indices in sorted(self._by_char.items())
            ]
            self.scans = tuple(
                re.compile("|".join(branches[i: i + _CHARS_PER_SCAN]))
                for i in range(0, len(branches), _CHARS_PER_SCAN)
            )

    def hits(self, text: str) -> list[tuple[int, str]] | tuple[tuple[int, str], ...]:
        """(term index, matched text) for every distinct term found, leftmost and non-overlapping."""
        starts: list[int] = []
        for scan in self.scans:
            starts.extend(candidate.start() for candidate in scan.finditer(text))
        if not starts:
            return _NO_HITS
        if len(self.scans) > 1:
            starts.sort()
        found: list[tuple[int, str]] | None = None
        seen = cursor = 0
        terms = self.terms
        for start in starts:
            if start < cursor:
                continue
            for index in self._by_char.get(text[start], self._wild):
                match = terms[index].regex.match(text, start)
                if match is not None:
                    break
            else:  # pragma: no cover - the scan and the per-term regexes always agree
                continue
            cursor = match.end()
            bit = 1 << index
            if not seen & bit:
                seen |= bit
                if found is None:
                    found = []
                found.append((index, match.group()))
        return _NO_HITS if found is None else found


def _entries(
    table: Any, tiers: tuple[str, ...], defaults: Mapping[str, float], where: str
) -> list[tuple[str, str, float]]:
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


class TermClassifier:
    """Weighted-cue classifier; build once from term data, then call classify() from any thread."""

    def __init__(self, terms: Mapping[str, Any] | None = None) -> None:
        data = load_terms() if terms is None else terms
        settings = dict(_DEFAULT_SETTINGS)
        settings.update(data.get("settings") or {})
        unknown = set(settings) - set(_DEFAULT_SETTINGS)
        if unknown:
            raise ValueError(f"settings: unknown keys {sorted(unknown)}")
        defaults = {
            "strong": settings["strong_weight"], "weak": settings["weak_weight"], "exclude": 0.0,
            "situation": settings["situation_weight"], "meta": settings["meta_weight"], "neutral": 0.0,
        }
        kinds = data.get("kinds") or {}
        if not isinstance(kinds, dict) or not kinds:
            raise ValueError("kinds must be a non-empty mapping")
        priority = [k for k in settings["priority"] if k in kinds]
        order = priority + [k for k in kinds if k not in priority]
        self._kinds: tuple[tuple[str, _Table], ...] = tuple(
            (kind, _Table(_entries(kinds[kind], _KIND_TIERS, defaults, f"kinds.{kind}"))) for kind in order
        )
        self.kinds: tuple[str, ...] = tuple(order)
        context = _entries(data.get("context"), _CONTEXT_TIERS, defaults, "context")
        self._context = _Table([entry for entry in context if entry[1] != "neutral"])
        neutral = _Table([entry for entry in context if entry[1] == "neutral"])
        self._neutral = re.compile(neutral.alternation) if neutral.terms else None
        self._min_cue = float(settings["min_cue"])
        self._threshold = float(settings["report_threshold"])
        self._slope = float(settings["slope"])
        self._situation_cap = float(settings["situation_cap"])
        self._meta_cap = float(settings["meta_cap"])
        self._cue_cap = float(settings["cue_cap"])
        self._max_chars = int(settings["max_chars"])
        self._max_evidence = int(settings["max_evidence"])
        self._plain_none = Classification(NONE, self._none_confidence(0.0), (), outcome="chatter")

    @classmethod
    def from_file(cls, path: str | Path) -> TermClassifier:
        """A classifier built from a YAML term file on disk."""
        return cls(load_terms(path))

    def _probability(self, z: float) -> float:
        """Probability-like score that a message with evidence z is a report."""
        return 1.0 / (1.0 + math.exp(-self._slope * (z - self._threshold)))

    def _none_confidence(self, z: float) -> float:
        """Confidence that a message with evidence z is not a report."""
        return round(1.0 - self._probability(z), 3)

    def _context_scores(self, norm: str) -> tuple[float, float, list[tuple[_Term, str]]]:
        """Situation and meta sums for a message, with the cues found."""
        masked = norm if self._neutral is None else self._neutral.sub(" ", norm)
        situation = meta = 0.0
        found: list[tuple[_Term, str]] = []
        terms = self._context.terms
        for index, matched in self._context.hits(masked):
            term = terms[index]
            if term.tier == "situation":
                situation += term.weight
            else:
                meta += term.weight
            found.append((term, matched))
        return situation, meta, found

    def classify(self, text: str) -> Classification:
        """Classify one chat message as an incident kind or "none"."""
        if not isinstance(text, str):
            raise TypeError(f"classify() needs str, got {type(text).__name__}")
        norm = normalize(text[: self._max_chars])
        best_kind = ""
        best = second = 0.0
        best_hits: list[tuple[_Term, str]] | None = None
        for kind, table in self._kinds:
            hits = table.hits(norm)
            if not hits:
                continue
            terms = table.terms
            score = 0.0
            for index, _ in hits:
                score += terms[index].weight
            if score > best:
                second, best, best_kind = best, score, kind
                best_hits = [(terms[index], matched) for index, matched in hits]
            elif score > second:
                second = score
        if best_hits is None:
            return self._plain_none
        if best < self._min_cue:
            return Classification(NONE, self._none_confidence(best), self._evidence(best_hits, ()), "chatter")
        situation, meta, context_hits = self._context_scores(norm)
        z = min(best, self._cue_cap) + min(situation, self._situation_cap) - min(meta, self._meta_cap)
        evidence = self._evidence(best_hits, context_hits)
        if z < self._threshold:
            return Classification(NONE, self._none_confidence(z), evidence, outcome="chatter")
        margin = 0.5 + 0.5 * (best - second) / best
        return Classification(best_kind, round(self._probability(z) * margin, 3), evidence)

    def _evidence(self, cues: list[tuple[_Term, str]], context: list[tuple[_Term, str]]) -> tuple[str, ...]:
        """Readable "tier:matched text" labels, kind cues first."""
        labels = [f"{term.tier}:{matched}" for term, matched in cues]
        labels.extend(f"{term.tier}:{matched}" for term, matched in context)
        return tuple(labels[: self._max_evidence])

    def explain(self, text: str) -> dict[str, Any]:
        """Per-kind cue scores and context sums for one message; for tuning, not for hot paths."""
        norm = normalize(text[: self._max_chars])
        scores = {
            kind: round(sum(table.terms[index].weight for index, _ in table.hits(norm)), 3)
            for kind, table in self._kinds
        }
        situation, meta, _ = self._context_scores(norm)
        return {
            "normalized": norm, "scores": scores, "situation": round(situation, 3), "meta": round(meta, 3),
            "result": self.classify(text),
        }

