"""Honest figures for a two-stage model on its own data: out-of-fold probabilities, folds grouped
by document, used by ``train`` for its metrics and by ``check`` to find likely label errors."""

from __future__ import annotations

import numpy as np

from ..features.context import context_features
from ..model.estimator import UnitClassifier
from .corpus import LabeledUnit
from .evaluate import Evaluation


def out_of_fold_proba(units: list[LabeledUnit], folds: int = 5, n_jobs: int | None = None,
                      stage1: np.ndarray | None = None, **params) -> tuple[list[str], np.ndarray]:
    """Class order and probabilities of the full two-stage model for units it was not trained on.

    Stage 1 is cross-validated with folds grouped by document, as
    :meth:`UnitClassifier.fit` does; stage 2 (context) is then cross-validated on
    those out-of-fold probabilities with the same folds. Each unit's probability
    thus comes from models that never saw its document: what ``check`` needs to
    find likely label errors and ``train`` needs for honest metrics, at the cost
    of one cross-validation of stage 1 instead of nested ones.
    """
    from sklearn.model_selection import GroupKFold, cross_val_predict

    estimator = UnitClassifier(n_jobs=n_jobs, **params)
    texts = [u.text for u in units]
    docs = [u.doc for u in units]
    y = np.array([u.label for u in units])
    n_docs = len(set(docs))
    if n_docs < 2:
        raise ValueError(f"out-of-fold probabilities need units from 2+ documents, got {n_docs}")
    classes = [str(c) for c in np.unique(y)]
    cv = GroupKFold(n_splits=min(folds, n_docs))
    # ``stage1``: out-of-fold stage-1 probabilities a fit already computed with the same folds.
    P = stage1 if stage1 is not None else cross_val_predict(
        estimator._sentence_model(), texts, y, groups=docs, cv=cv, method="predict_proba", n_jobs=n_jobs,
        params={"clf__sample_weight": estimator.sentence_weights(texts, y)})
    if estimator.context:
        Z = context_features(P, docs, texts, estimator.window, np.array([u.outside for u in units]))
        P = cross_val_predict(estimator._context_model(), Z, y, groups=docs, cv=cv, method="predict_proba")
    return classes, P


def cross_validated_metrics(units: list[LabeledUnit], folds: int = 5, n_jobs: int | None = None,
                            stage1: np.ndarray | None = None, **params) -> dict:
    """Per-label precision/recall/F1, accuracy, macro-F1 and confusion from out-of-fold predictions."""
    classes, P = out_of_fold_proba(units, folds, n_jobs, stage1, **params)
    predicted = [classes[i] for i in np.argmax(P, axis=1)]
    report = Evaluation(units, predicted, P, classes).report()
    report["folds"] = min(folds, len({u.doc for u in units}))
    report["method"] = "out-of-fold predictions, folds grouped by document (stage 2 stacked on stage 1)"
    return report
