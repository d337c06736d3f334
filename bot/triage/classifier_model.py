"""The trained linear model over character n-grams: loaded from package data, scored with numpy alone."""

from __future__ import annotations

import gzip
import json
import math
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np

from bot.triage.classifier_features import gram_key, gram_keys, ngrams, prepare

__all__ = ["FORMAT", "MODEL_RESOURCE", "LinearModel", "ModelError"]

MODEL_RESOURCE = "classifier_model.json.gz"
FORMAT = 1


class ModelError(ValueError):
    """The model file is missing, damaged or of another format."""


@dataclass(frozen=True)
class Thresholds:
    """Report probability (1 - P(none)) at or above which a message is a report, and below which chatter."""

    report: float
    chatter: float


class LinearModel:
    """Binary TF-IDF (l2) over n-grams, then softmax(x·W + b): the same arithmetic as the scikit-learn pipeline."""

    def __init__(self, data: dict[str, Any]) -> None:
        if data.get("format") != FORMAT:
            raise ModelError(f"classifier model: format {data.get('format')!r}, expected {FORMAT}")
        try:
            self.classes: tuple[str, ...] = tuple(data["classes"])
            features: list[str] = data["features"]
            idf = np.asarray(data["idf"], dtype=np.float64)
            coef = np.asarray(data["coef"], dtype=np.float64)  # (features, classes)
            self.intercept = np.asarray(data["intercept"], dtype=np.float64)
            self.thresholds = Thresholds(float(data["thresholds"]["report"]), float(data["thresholds"]["chatter"]))
        except (KeyError, TypeError, ValueError) as exc:
            raise ModelError(f"classifier model: {exc}") from None
        if coef.shape != (len(features), len(self.classes)) or idf.shape != (len(features),):
            raise ModelError("classifier model: feature, idf and weight sizes disagree")
        self.info: dict[str, Any] = dict(data.get("info") or {})
        self.features = features
        # Rows sorted by integer n-gram key (classifier_features.gram_key) so a message's keys are found with one
        # searchsorted; each row is (idf², idf·w_class...). Scores are Σ idf·w / sqrt(Σ idf²) + b: binary tf, l2 norm.
        keys = np.fromiter((gram_key(f) for f in features), dtype=np.uint64, count=len(features))
        order = np.argsort(keys, kind="stable")
        self._keys = keys[order]
        self._last = max(len(features) - 1, 0)
        self._table = np.empty((len(features), len(self.classes) + 1))
        self._table[:, 0] = (idf * idf)[order]
        self._table[:, 1:] = (coef * idf[:, None])[order]
        self._index = {feature: int(i) for i, feature in zip(np.argsort(order), features, strict=True)}

    @classmethod
    def load(cls, path: str | Path | None = None) -> LinearModel:
        """The model in a .json.gz file, or the packaged one when no path is given."""
        try:
            if path is None:
                raw = resources.files("bot.triage").joinpath(MODEL_RESOURCE).read_bytes()
            else:
                raw = Path(path).read_bytes()
            data = json.loads(gzip.decompress(raw).decode("utf-8"))
        except (OSError, EOFError, UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise ModelError(f"classifier model {path or MODEL_RESOURCE}: {exc}") from None
        if not isinstance(data, dict):
            raise ModelError("classifier model: not a JSON object")
        return cls(data)

    def probabilities(self, text: str) -> list[float]:
        """Class probabilities for one message, in the order of self.classes."""
        return self.probabilities_prepared(prepare(text))

    def probabilities_prepared(self, prepared: str) -> list[float]:
        """probabilities() of a text already prepared (classifier_features.prepare)."""
        keys = gram_keys(prepared)  # never empty: the text is padded with spaces
        keys.sort()  # sorted needles make searchsorted several times faster, and repeats adjacent
        keep = np.empty(keys.size, dtype=bool)
        keep[0] = True
        np.not_equal(keys[1:], keys[:-1], out=keep[1:])
        keys = keys[keep]  # distinct n-grams only (binary features)
        rows = np.searchsorted(self._keys, keys)
        np.minimum(rows, self._last, out=rows)
        rows = rows[self._keys[rows] == keys]  # the n-grams the model knows
        if rows.size:
            sums = self._table[rows].sum(axis=0)
            scores = sums[1:] / math.sqrt(sums[0]) + self.intercept
        else:
            scores = self.intercept
        exps = np.exp(scores - scores.max())
        return (exps / exps.sum()).tolist()

    def top_features(self, text: str, klass: str, count: int = 8) -> list[tuple[str, float]]:
        """The n-grams that pushed a message most towards one class; for explanations, not hot paths."""
        column = self.classes.index(klass)
        scored = [(g, float(self._table[self._index[g], column + 1])) for g in ngrams(prepare(text))
                  if g in self._index]
        return sorted(scored, key=lambda item: -item[1])[:count]
