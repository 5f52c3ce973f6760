"""Train a model from label files and write it with its metrics (what ``hypefact train`` runs)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from . import LABELS
from .data import LabeledUnit, data_hash, read_labels


def cross_validated_metrics(units: list[LabeledUnit], folds: int = 5, **params) -> dict:
    """Per-label precision/recall/F1 from document-grouped cross-validation of the full model."""
    from sklearn.metrics import precision_recall_fscore_support
    from sklearn.model_selection import GroupKFold

    from .model import UnitClassifier

    X = [u.as_input() for u in units]
    y = np.array([u.label for u in units])
    docs = [u.doc for u in units]
    pred = np.empty(len(units), dtype=object)
    for train_idx, test_idx in GroupKFold(n_splits=folds).split(X, y, docs):
        model = UnitClassifier(**params).fit([X[i] for i in train_idx], y[train_idx])
        pred[test_idx] = model.predict([X[i] for i in test_idx])
    p, r, f, s = precision_recall_fscore_support(y, pred.astype(str), labels=list(LABELS), zero_division=0)
    return {
        "folds": folds,
        "macro_f1": round(float(np.mean(f)), 4),
        "accuracy": round(float(np.mean(pred == y)), 4),
        "per_label": {lab: {"precision": round(float(p[i]), 4), "recall": round(float(r[i]), 4),
                            "f1": round(float(f[i]), 4), "support": int(s[i])} for i, lab in enumerate(LABELS)},
    }


def train_model(data_paths, output, cv_folds: int = 5, n_jobs: int | None = None, **params) -> dict:
    """Read labels, cross-validate, fit on everything, save atomically; returns the sidecar."""
    from .model import UnitClassifier, save_model

    units = read_labels(data_paths)
    if len(units) < 20 or len({u.label for u in units}) < 2:
        raise ValueError(f"need at least 20 labeled units with 2+ labels to train, got {len(units)}")
    counts = {lab: sum(u.label == lab for u in units) for lab in LABELS}
    metrics = cross_validated_metrics(units, cv_folds, n_jobs=n_jobs, **params) if cv_folds > 1 else {}
    model = UnitClassifier(n_jobs=n_jobs, **params).fit([u.as_input() for u in units], [u.label for u in units])
    meta = {
        "training_data": {"paths": [str(Path(p)) for p in data_paths], "units": len(units),
                          "documents": len({u.doc for u in units}), "label_counts": counts,
                          "sha256": data_hash(units)},
        "params": model.get_params(),
        "cv_metrics": metrics,
    }
    return save_model(model, output, meta)
