"""A fitted :class:`~classifier.model.estimator.UnitClassifier` compiled to plain arrays.

Why: importing scikit-learn costs about a second (scipy.stats alone half of it)
and unpickling a joblib file runs code. ``annotate`` only needs the fitted
numbers: vocabularies, IDF weights, scaler statistics and coefficients. This
module stores them in a NumPy ``.npz`` (loaded with ``allow_pickle=False``, so
loading cannot run code) and predicts with NumPy alone, using the same
analyzers, cue features and context features (:mod:`classifier.features.cues`,
:mod:`classifier.features.context`) as the estimator. ``tests/test_compiled.py`` checks
that both give the same probabilities.
"""

from __future__ import annotations

import json
import os

import numpy as np

from .._io import atomic_writer
from ..features import cues
from ..features.context import context_blocks, context_features
from ..features.region import unit_outside
from .inputs import unit_columns

FORMAT_VERSION = 1
ANALYZERS = {"word_ngrams": cues.word_ngrams, "char_ngrams": cues.char_ngrams}


def _softmax(z: np.ndarray) -> np.ndarray:
    z = z - z.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)


class CompiledModel:
    """Predicts like the estimator it was compiled from; needs only NumPy."""

    def __init__(self, arrays: dict[str, np.ndarray]):
        self.meta = json.loads(str(arrays["meta"]))
        if self.meta.get("format") != FORMAT_VERSION:
            raise ValueError(f"compiled model format {self.meta.get('format')} is not {FORMAT_VERSION}")
        names = self.meta.get("cue_names") or [None] * len(arrays["cue_mean"])
        if len(names) != len(cues.CUE_NAMES) or (names[0] is not None and names != list(cues.CUE_NAMES)):
            raise ValueError("it was trained with other cue features than this version of hypefact computes "
                             "(retrain it with `hypefact train`)")
        self.classes_ = np.array(self.meta["classes"])
        self.vectorizers = []
        for k, spec in enumerate(self.meta["vectorizers"]):
            terms = arrays[f"vocab_{k}"]
            self.vectorizers.append({
                "analyzer": ANALYZERS[spec["analyzer"]],
                "sublinear": spec["sublinear"],
                "offset": spec["offset"],
                "vocab": {t: i for i, t in enumerate(terms.tolist())},
                "idf": arrays[f"idf_{k}"],
            })
        self.cue_offset = self.meta["cue_offset"]
        self.cue_mean, self.cue_scale = arrays["cue_mean"], arrays["cue_scale"]
        self.coef_T = np.ascontiguousarray(arrays["coef"].T)  # (features, classes)
        self.intercept = arrays["intercept"]
        self.context = self.meta["context"]
        self.window = self.meta["window"]
        if self.context:
            self.ctx_mean, self.ctx_scale = arrays["ctx_mean"], arrays["ctx_scale"]
            k = len(self.classes_)
            width = context_features(np.full((1, k), 1.0 / k), ["d"], ["x"], self.window).shape[1]
            if len(self.ctx_mean) != width:
                raise ValueError("it was trained with other context features than this version of hypefact "
                                 "computes (retrain it with `hypefact train`)")
            self.ctx_coef_T = np.ascontiguousarray(arrays["ctx_coef"].T)
            self.ctx_intercept = arrays["ctx_intercept"]

    # -- building -----------------------------------------------------------

    @classmethod
    def arrays_from_estimator(cls, estimator) -> dict[str, np.ndarray]:
        """Pull the fitted numbers out of a UnitClassifier (scikit-learn objects)."""
        features = estimator.sentence_model_.named_steps["features"]
        clf = estimator.sentence_model_.named_steps["clf"]
        arrays: dict[str, np.ndarray] = {}
        specs, offset, cue_offset = [], 0, None
        for name, part in features.transformer_list:
            if name == "cues":
                scaler = part.steps[-1][1]
                arrays["cue_mean"], arrays["cue_scale"] = scaler.mean_, scaler.scale_
                cue_offset = offset
                offset += len(scaler.mean_)
                continue
            if part.analyzer.__name__ not in ANALYZERS or part.norm != "l2" or not part.use_idf:
                raise ValueError(f"cannot compile vectorizer {name!r}")
            terms = sorted(part.vocabulary_, key=part.vocabulary_.get)
            arrays[f"vocab_{len(specs)}"] = np.array(terms, dtype=str)
            arrays[f"idf_{len(specs)}"] = part.idf_
            specs.append({"name": name, "analyzer": part.analyzer.__name__, "sublinear": bool(part.sublinear_tf),
                          "offset": offset})
            offset += len(terms)
        arrays["coef"], arrays["intercept"] = clf.coef_, clf.intercept_
        meta = {"format": FORMAT_VERSION, "classes": [str(c) for c in estimator.classes_], "vectorizers": specs,
                "cue_offset": cue_offset, "cue_names": list(cues.CUE_NAMES), "context": bool(estimator.context),
                "window": int(estimator.window)}
        if estimator.context:
            scaler, lr = estimator.context_model_.steps[0][1], estimator.context_model_.steps[-1][1]
            arrays["ctx_mean"], arrays["ctx_scale"] = scaler.mean_, scaler.scale_
            arrays["ctx_coef"], arrays["ctx_intercept"] = lr.coef_, lr.intercept_
        arrays["meta"] = np.array(json.dumps(meta))
        return arrays

    @classmethod
    def from_estimator(cls, estimator) -> "CompiledModel":
        return cls(cls.arrays_from_estimator(estimator))

    @classmethod
    def load(cls, path: str | os.PathLike) -> "CompiledModel":
        with np.load(path, allow_pickle=False) as data:
            return cls({k: data[k] for k in data.files})

    # -- predicting ---------------------------------------------------------

    #: Units scored per batch: the (unit, term) pairs of a batch are Python lists, so batches keep
    #: memory flat on a huge document (rows are independent: the scores are the same).
    BATCH = 4096

    def tfidf_rows(self, texts: list[str]):
        """Per vectorizer, the TF-IDF rows of ``texts`` as ``(vectorizer, rows, columns, values)``:
        (text, term) pairs counted with NumPy, as scikit-learn's TfidfVectorizer would weigh them.
        Shared with :mod:`classifier.explain`, which takes the same sum apart."""
        n = len(texts)
        for vec in self.vectorizers:
            vocab, idf, analyzer = vec["vocab"], vec["idf"], vec["analyzer"]
            rows, ids = [], []
            for r, text in enumerate(texts):
                found = [i for i in map(vocab.get, analyzer(text)) if i is not None]
                rows.extend([r] * len(found))
                ids.extend(found)
            if not ids:
                continue
            size = len(idf)
            keys, counts = np.unique(np.array(rows, dtype=np.int64) * size + np.array(ids, dtype=np.int64),
                                     return_counts=True)
            rows_a, cols_a = keys // size, keys % size
            tf = 1.0 + np.log(counts) if vec["sublinear"] else counts.astype(np.float64)
            w = tf * idf[cols_a]
            norm = np.sqrt(np.bincount(rows_a, weights=w * w, minlength=n))
            yield vec, rows_a, cols_a, w / norm[rows_a]

    def _sentence_scores(self, texts: list[str]) -> np.ndarray:
        if len(texts) > self.BATCH:
            return np.vstack([self._sentence_scores(texts[i:i + self.BATCH])
                              for i in range(0, len(texts), self.BATCH)])
        n = len(texts)
        scores = np.tile(self.intercept, (n, 1)).astype(np.float64)
        for vec, rows_a, cols_a, vals in self.tfidf_rows(texts):
            contrib = self.coef_T[vec["offset"] + cols_a] * vals[:, None]
            for c in range(scores.shape[1]):
                scores[:, c] += np.bincount(rows_a, weights=contrib[:, c], minlength=n)
        cue_block = (np.array([cues.cue_vector(t) for t in texts], dtype=np.float64) - self.cue_mean) / self.cue_scale
        scores += cue_block @ self.coef_T[self.cue_offset:self.cue_offset + cue_block.shape[1]]
        return scores

    def predict_proba(self, X) -> np.ndarray:
        X = X if hasattr(X, "__len__") else list(X)  # read twice: texts and docs, then region flags
        texts, docs = unit_columns(X)
        if not texts:
            return np.zeros((0, len(self.classes_)))
        P = _softmax(self._sentence_scores(texts))
        if not self.context:
            return P
        out = np.empty_like(P)
        for rows, Z in context_blocks(P, docs, texts, self.window, unit_outside(X), self.BATCH):
            Z -= self.ctx_mean  # in place, block by block: the whole matrix is about 80 floats a unit
            Z /= self.ctx_scale
            out[rows] = _softmax(Z @ self.ctx_coef_T + self.ctx_intercept)
        return out

    def predict(self, X) -> np.ndarray:
        return self.classes_[np.argmax(self.predict_proba(X), axis=1)]


def save_compiled(estimator, path: str | os.PathLike) -> None:
    """Write the compiled form of ``estimator`` to ``path`` (.npz) atomically."""
    arrays = CompiledModel.arrays_from_estimator(estimator)
    with atomic_writer(path, binary=True, suffix=".tmp.npz") as fh:
        np.savez_compressed(fh, **arrays)
