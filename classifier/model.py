"""The unit classifier, its training, and safe saving and loading.

:class:`UnitClassifier` is a scikit-learn estimator in two stages:

1. a *sentence model* (word + character n-grams + cue features, logistic
   regression) that reads one unit at a time;
2. a *context model* that reads the sentence model's probabilities for the unit
   and its neighbours in the same document (boilerplate comes in runs, a quote
   continues after "he said", a heading precedes a paragraph) plus the unit's
   position and the document's overall mix. It is trained on out-of-fold
   probabilities (grouped by document) so it learns how far to trust stage 1 on
   text it has not seen.

Inputs are units in document order: dicts ``{"text", "doc"}`` (or plain strings,
taken as one document).

Model files are joblib pickles, which run code when loaded: :func:`load_model`
only opens a file whose SHA-256 matches the JSON sidecar written next to it.
"""

from __future__ import annotations

import hashlib
import json
import os
import platform
import tempfile
import time
from pathlib import Path
from typing import Sequence

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin, clone

from . import LABELS, __version__

#: The shipped default model, inside the project checkout.
DEFAULT_MODEL = Path(__file__).resolve().parent.parent / "models" / "hypefact.joblib"
DEFAULT_DATA = Path(__file__).resolve().parent.parent / "data" / "labels"


class ModelError(Exception):
    """A model file that is missing, unreadable or does not match its sidecar."""


def split_units(X) -> tuple[list[str], list[str]]:
    """Texts and document ids of a sequence of units (dicts, pairs or strings)."""
    texts, docs = [], []
    for item in X:
        if isinstance(item, str):
            texts.append(item)
            docs.append("")
        elif isinstance(item, dict):
            texts.append(item["text"])
            docs.append(str(item.get("doc", "")))
        else:
            doc, text = item
            texts.append(text)
            docs.append(str(doc))
    return texts, docs


def _doc_slices(docs: Sequence[str]) -> list[slice]:
    """Runs of consecutive units that share a document id."""
    bounds, start = [], 0
    for i in range(1, len(docs) + 1):
        if i == len(docs) or docs[i] != docs[start]:
            bounds.append(slice(start, i))
            start = i
    return bounds


def context_features(P: np.ndarray, docs: Sequence[str], window: int = 2) -> np.ndarray:
    """Per unit: its stage-1 log-probabilities, its neighbours', position and document mix."""
    n, k = P.shape
    logP = np.log(np.clip(P, 1e-4, 1.0))
    blocks = [logP]
    for offset in [o for o in range(-window, window + 1) if o != 0]:
        shifted = np.zeros((n, k))
        missing = np.ones((n, 1))
        for sl in _doc_slices(docs):
            a, b = sl.start, sl.stop
            src_a, src_b = max(a, a + offset), min(b, b + offset)
            if src_b > src_a:
                dst = slice(src_a - offset, src_b - offset)
                shifted[dst] = logP[src_a:src_b]
                missing[dst] = 0.0
        blocks += [shifted, missing]
    doc_mean = np.zeros((n, k))
    position = np.zeros((n, 3))
    for sl in _doc_slices(docs):
        m = sl.stop - sl.start
        doc_mean[sl] = P[sl].mean(axis=0)
        rel = np.arange(m) / max(m - 1, 1)
        position[sl, 0] = rel
        position[sl, 1] = np.log1p(m)
        position[sl, 2] = (np.arange(m) == 0).astype(float)
    blocks += [doc_mean, position]
    return np.hstack(blocks)


class UnitClassifier(ClassifierMixin, BaseEstimator):
    """Sentence model + document-context model, with the scikit-learn estimator API."""

    def __init__(self, C: float = 4.0, chars: bool = False, context: bool = True, window: int = 2, cv: int = 5,
                 context_C: float = 1.0, n_jobs: int | None = None, random_state: int = 0):
        self.C = C
        self.chars = chars
        self.context = context
        self.window = window
        self.cv = cv
        self.context_C = context_C
        self.n_jobs = n_jobs
        self.random_state = random_state

    def _sentence_model(self):
        from sklearn.linear_model import LogisticRegression
        from sklearn.pipeline import Pipeline

        from .features import text_features

        return Pipeline([
            ("features", text_features(self.chars)),
            ("clf", LogisticRegression(C=self.C, max_iter=3000, class_weight="balanced")),
        ])

    def _context_model(self):
        from sklearn.linear_model import LogisticRegression
        from sklearn.pipeline import make_pipeline
        from sklearn.preprocessing import StandardScaler

        return make_pipeline(StandardScaler(), LogisticRegression(C=self.context_C, max_iter=3000,
                                                                  class_weight="balanced"))

    def fit(self, X, y):
        from sklearn.model_selection import GroupKFold, cross_val_predict

        texts, docs = split_units(X)
        y = np.asarray(y)
        self.classes_ = np.unique(y)  # the column order of predict_proba, as in scikit-learn
        sentence = self._sentence_model()
        if self.context:
            n_groups = len(set(docs))
            folds = GroupKFold(n_splits=min(self.cv, n_groups)) if n_groups >= 2 else 2
            oof = cross_val_predict(clone(sentence), texts, y, groups=docs, cv=folds,
                                    method="predict_proba", n_jobs=self.n_jobs)
            self.context_model_ = self._context_model().fit(context_features(oof, docs, self.window), y)
        self.sentence_model_ = sentence.fit(texts, y)
        return self

    def predict_proba(self, X) -> np.ndarray:
        texts, docs = split_units(X)
        if not texts:
            return np.zeros((0, len(self.classes_)))
        P = self.sentence_model_.predict_proba(texts)
        if not self.context:
            return P
        return self.context_model_.predict_proba(context_features(P, docs, self.window))

    def predict(self, X) -> np.ndarray:
        return self.classes_[np.argmax(self.predict_proba(X), axis=1)]


# ---------------------------------------------------------------------------
# Saving and loading


def sha256_of(path: str | os.PathLike) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def sidecar_path(model_path: str | os.PathLike) -> Path:
    return Path(model_path).with_suffix(".json")


def library_versions() -> dict:
    import joblib
    import sklearn
    import spacy

    return {"hypefact": __version__, "python": platform.python_version(), "scikit-learn": sklearn.__version__,
            "spacy": spacy.__version__, "joblib": joblib.__version__, "numpy": np.__version__}


def save_model(estimator, path: str | os.PathLike, metadata: dict | None = None) -> dict:
    """Write the model and its sidecar atomically; return the sidecar's content."""
    import joblib

    from .data import atomic_write_text

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    os.close(fd)
    try:
        joblib.dump(estimator, tmp, compress=3)
        with open(tmp, "rb") as fh:
            os.fsync(fh.fileno())
        digest = sha256_of(tmp)
        meta = {
            "name": path.stem,
            "created": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            "labels": [str(c) for c in estimator.classes_],
            "versions": library_versions(),
            **(metadata or {}),
            "model_file": path.name,
            "sha256": digest,
            "bytes": os.path.getsize(tmp),
        }
        # The sidecar goes first: a crash between the two renames leaves a model
        # whose hash does not match, which load_model refuses, never a silent mix.
        atomic_write_text(sidecar_path(path), json.dumps(meta, indent=2, ensure_ascii=False) + "\n")
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return meta


def read_sidecar(path: str | os.PathLike) -> dict:
    side = sidecar_path(path)
    try:
        return json.loads(side.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ModelError(f"{side}: the model's sidecar is missing; refusing to load {path} "
                         "(a joblib file runs code when loaded)") from None
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise ModelError(f"{side}: the model's sidecar is not valid JSON") from None


def resolve_model_path(path: str | os.PathLike | None = None) -> Path:
    """The model to use: the given path, else ``$HYPEFACT_MODEL``, else the shipped default."""
    chosen = path or os.environ.get("HYPEFACT_MODEL") or DEFAULT_MODEL
    return Path(chosen)


def load_model(path: str | os.PathLike | None = None):
    """Load a model after checking its SHA-256 against the sidecar; returns (estimator, sidecar)."""
    import joblib

    path = resolve_model_path(path)
    if not path.exists():
        raise ModelError(f"{path}: no such model file (train one with `hypefact train`)")
    meta = read_sidecar(path)
    actual = sha256_of(path)
    if meta.get("sha256") != actual:
        raise ModelError(f"{path}: SHA-256 {actual[:12]}... does not match its sidecar "
                         f"({str(meta.get('sha256'))[:12]}...); refusing to load a file that may have been "
                         "altered (joblib files run code when loaded)")
    try:
        estimator = joblib.load(path)
    except Exception as exc:  # a corrupt pickle can raise nearly anything
        raise ModelError(f"{path}: cannot load the model: {exc}") from None
    return estimator, meta
