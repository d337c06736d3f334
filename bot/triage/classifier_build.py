"""Build the packaged classifier model from the repository corpus (and stored examples): offline, deterministic.

    python -m bot.triage.classifier_build            # corpus only, writes bot/triage/classifier_model.json.gz
    incident-bot classify --train                    # the same plus the examples stored in the database

Held out and never read here: every ``*_heldout.jsonl`` and the whole register batches ``a3_*``, ``b3_*``,
``c3_*``, ``d3_*`` of tests/data/corpus (bench/eval_classify.py scores them).
"""

from __future__ import annotations

import argparse
import fnmatch
import gzip
import hashlib
import json
import math
import sys
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bot.triage.classifier_features import ngrams, prepare
from bot.triage.classifier_model import FORMAT, MODEL_RESOURCE

ROOT = Path(__file__).resolve().parents[2]
CORPUS_FILES = ("tests/data/classifier_corpus.jsonl", "tests/data/corpus/*.jsonl")
HELD_OUT = ("*_heldout.jsonl", "a3_*.jsonl", "b3_*.jsonl", "c3_*.jsonl", "d3_*.jsonl")
LABELS = ("flaming", "impersonation", "misinformation", "leak", "account_takeover", "none")
SEED = 20261205
C = 8.0  # inverse regularisation, chosen by leave-one-batch-out cross-validation on the training batches
MIN_DF = 2
SINGLE_THREAD = 1  # BLAS/OpenMP threads during a fit: the same corpus must give the same bytes on any machine
# Targets the thresholds are set for on cross-validated predictions of the training batches. The legacy corpus
# (written against the term tables: keyword-laden negatives, 37 % chatter) trains the model but does not set them.
LEGACY_BATCH = "classifier_corpus"
MAX_CHATTER_AS_REPORT = 0.05
MAX_REPORT_AS_CHATTER = 0.02


@dataclass(frozen=True)
class Example:
    """One labelled message and the batch it came from (cross-validation keeps batches whole)."""

    text: str
    kind: str
    batch: str


def is_held_out(path: Path) -> bool:
    """Whether a corpus file is reserved for evaluation."""
    return any(fnmatch.fnmatch(path.name, pattern) for pattern in HELD_OUT)


def corpus_paths(root: Path = ROOT, *, held_out: bool = False) -> list[Path]:
    """Training corpus files (or, with held_out, only the held-out ones), sorted for a stable order."""
    found: set[Path] = set()
    for pattern in CORPUS_FILES:
        found.update(root.glob(pattern))
    return sorted(p for p in found if is_held_out(p) == held_out)


def read_examples(paths: Iterable[Path]) -> list[Example]:
    """Examples of JSONL files; a bad line names its file and line."""
    out: list[Example] = []
    for path in paths:
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
                text, kind = str(row["text"]), str(row["kind"])
            except (json.JSONDecodeError, KeyError, TypeError) as exc:
                raise ValueError(f"{path}:{number}: {exc}") from None
            if kind not in LABELS:
                raise ValueError(f"{path}:{number}: unknown kind {kind!r}")
            out.append(Example(text, kind, path.stem))
    return out


def _analyzer(text: str) -> set[str]:
    return ngrams(prepare(text))


def _single_thread() -> Any:
    """BLAS and OpenMP limited to one thread for the block (threadpoolctl comes with scikit-learn)."""
    from threadpoolctl import threadpool_limits

    return threadpool_limits(limits=SINGLE_THREAD)


def _fit(examples: Sequence[Example], c: float = C) -> tuple[Any, Any]:
    """Vectoriser and logistic regression fitted on examples (imports scikit-learn only when building)."""
    import numpy as np
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression

    vectorizer = TfidfVectorizer(analyzer=_analyzer, binary=True, min_df=MIN_DF, norm="l2", dtype=np.float64)
    matrix = vectorizer.fit_transform([e.text for e in examples])
    model = LogisticRegression(C=c, max_iter=5000, random_state=SEED)
    # One BLAS/OpenMP thread: a parallel reduction sums in an order that depends on load, and the last digit moved.
    with _single_thread():
        model.fit(matrix, [e.kind for e in examples])
    return vectorizer, model


def cross_validated(examples: Sequence[Example], c: float = C) -> list[dict[str, float]]:
    """Out-of-batch class probabilities for every example (each batch predicted by a model trained without it)."""
    batches = sorted({e.batch for e in examples})
    out: list[dict[str, float] | None] = [None] * len(examples)
    for batch in batches:
        train = [e for e in examples if e.batch != batch]
        test = [i for i, e in enumerate(examples) if e.batch == batch]
        vectorizer, model = _fit(train, c)
        with _single_thread():
            probs = model.predict_proba(vectorizer.transform([examples[i].text for i in test]))
        for row, i in zip(probs, test, strict=True):
            out[i] = {str(k): float(p) for k, p in zip(model.classes_, row, strict=True)}
    return [p for p in out if p is not None]


def temperature(examples: Sequence[Example], probs: Sequence[dict[str, float]]) -> float:
    """The logit scale that minimises the log-loss of the cross-validated probabilities (calibration)."""
    def loss(t: float) -> float:
        total = 0.0
        for example, p in zip(examples, probs, strict=True):
            logits = {k: math.log(max(v, 1e-12)) / t for k, v in p.items()}
            top = max(logits.values())
            norm = top + math.log(sum(math.exp(v - top) for v in logits.values()))
            total -= logits[example.kind] - norm
        return total
    grid = [0.5 + 0.05 * i for i in range(31)]
    return min(grid, key=loss)


def thresholds(examples: Sequence[Example], probs: Sequence[dict[str, float]], t: float) -> dict[str, float]:
    """Report/chatter cut-offs on P(report) = 1 - P(none) meeting the targets on cross-validated predictions."""
    def p_report(p: dict[str, float]) -> float:
        logits = {k: math.log(max(v, 1e-12)) / t for k, v in p.items()}
        top = max(logits.values())
        exp = {k: math.exp(v - top) for k, v in logits.items()}
        return 1.0 - exp["none"] / sum(exp.values())

    chatter = sorted(p_report(p) for e, p in zip(examples, probs, strict=True) if e.kind == "none")
    reports = sorted(p_report(p) for e, p in zip(examples, probs, strict=True) if e.kind != "none")
    report_cut = chatter[min(len(chatter) - 1, int(len(chatter) * (1 - MAX_CHATTER_AS_REPORT)))]
    chatter_cut = reports[int(len(reports) * MAX_REPORT_AS_CHATTER)]
    report_cut = min(max(report_cut, 0.5), 0.9)
    chatter_cut = min(max(chatter_cut, 0.05), report_cut)
    return {"report": round(report_cut, 4), "chatter": round(chatter_cut, 4)}


def build(examples: Sequence[Example], *, cross_validate: bool = True) -> dict[str, Any]:
    """The model document: n-grams, idf, weights (temperature applied), thresholds and provenance."""
    if cross_validate and len({e.batch for e in examples}) > 1:
        probs = cross_validated(examples)
        tuned = [(e, p) for e, p in zip(examples, probs, strict=True) if e.batch != LEGACY_BATCH] or list(
            zip(examples, probs, strict=True))
        t = temperature([e for e, _ in tuned], [p for _, p in tuned])
        cuts = thresholds([e for e, _ in tuned], [p for _, p in tuned], t)
    else:
        t, cuts = 1.0, {"report": 0.6, "chatter": 0.25}
    vectorizer, model = _fit(examples)
    features = [str(f) for f in vectorizer.get_feature_names_out()]
    classes = [str(k) for k in model.classes_]
    coef = (model.coef_.T / t).tolist()
    digest = hashlib.sha256()
    for e in examples:
        digest.update(f"{e.kind}\t{e.text}\n".encode())
    return {
        "format": FORMAT,
        "classes": classes,
        "features": features,
        "idf": [round(float(v), 6) for v in vectorizer.idf_],
        "coef": [[round(float(v), 6) for v in row] for row in coef],
        "intercept": [round(float(v) / t, 6) for v in model.intercept_],
        "thresholds": cuts,
        "info": {"examples": len(examples), "by_kind": dict(sorted(Counter(e.kind for e in examples).items())),
                 "batches": sorted({e.batch for e in examples}), "sha256": digest.hexdigest(),
                 "temperature": round(t, 3), "C": C, "min_df": MIN_DF},
    }


def write_model(document: dict[str, Any], path: Path) -> None:
    """Gzip JSON with a fixed timestamp, so the same corpus gives the same bytes."""
    raw = json.dumps(document, ensure_ascii=False, separators=(",", ":"), sort_keys=True).encode("utf-8")
    path.write_bytes(gzip.compress(raw, compresslevel=9, mtime=0))


def default_output() -> Path:
    """Where the packaged model lives in a source checkout."""
    return Path(__file__).resolve().parent / MODEL_RESOURCE


def main(argv: Sequence[str] | None = None, extra: Sequence[Example] = ()) -> int:
    """Command line: build from the repository corpus (plus extra examples) and write the model."""
    parser = argparse.ArgumentParser(prog="python -m bot.triage.classifier_build", description=__doc__)
    parser.add_argument("--out", type=Path, default=default_output(), help="model file to write")
    parser.add_argument("--root", type=Path, default=ROOT, help="repository root holding tests/data")
    args = parser.parse_args(argv)
    paths = corpus_paths(args.root)
    if not paths:
        print(f"no corpus under {args.root}/tests/data: run this from a source checkout", file=sys.stderr)
        return 2
    examples = read_examples(paths) + list(extra)
    document = build(examples)
    write_model(document, args.out)
    info = document["info"]
    print(f"wrote {args.out}: {info['examples']} examples ({len(extra)} stored), {len(document['features'])} "
          f"n-grams, thresholds {document['thresholds']}, temperature {info['temperature']}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
