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

from bot.triage.classifier_features import iter_ngrams, ngrams, prepare

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
        # Row i+1 of the table is n-gram i: (idf², idf·w_class...); row 0 is padding, so a lookup miss (None) is
        # dropped by filter(None). A message's scores are Σ idf·w / sqrt(Σ idf²) + b: binary tf, l2 norm.
        self._index = {feature: i for i, feature in enumerate(features, 1)}
        self._table = np.zeros((len(features) + 1, len(self.classes) + 1))
        self._table[1:, 0] = idf * idf
        self._table[1:, 1:] = coef * idf[:, None]

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
        found = np.fromiter(filter(None, map(self._index.get, iter_ngrams(prepare(text)))), dtype=np.intp)
        if found.size:
            found.sort()  # distinct n-grams only (binary features); cheaper than np.unique on a few hundred ids
            keep = np.empty(found.size, dtype=bool)
            keep[0] = True
            np.not_equal(found[1:], found[:-1], out=keep[1:])
            sums = self._table[found[keep]].sum(axis=0)
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
