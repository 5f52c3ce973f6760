"""Train a model from label files, measure it, describe it, compare it with another.

What ``hypefact train`` runs:

1. read the label files and refuse blocking problems (see :mod:`classifier.check`);
2. out-of-fold probabilities of the two-stage model, grouped by document
   (:func:`out_of_fold_proba`), which give the cross-validated metrics;
3. fit on everything and save the model, its sidecar and a Markdown model card;
4. optionally compare it with another model on held-out labels (:func:`compare_models`).
"""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np

from . import LABELS
from .data import LabeledUnit, data_hash, scan_labels


class LabelProblems(ValueError):
    """The label files have blocking problems; ``findings`` lists them (file:line)."""

    def __init__(self, findings: list):
        self.findings = findings
        shown = "\n".join(f"  {f.where}: {f.message}" for f in findings[:10])
        more = f"\n  ... and {len(findings) - 10} more" if len(findings) > 10 else ""
        super().__init__(f"{len(findings)} blocking problem(s) in the label files (run `hypefact check`):\n"
                         f"{shown}{more}")


def load_training_units(data_paths) -> list[LabeledUnit]:
    """The units to train on, in document order; raises :class:`LabelProblems` if any are blocking."""
    from .check import blocking_findings
    from .evaluate import in_document_order

    units, errors = scan_labels(data_paths)
    problems = blocking_findings(units, errors)
    if problems:
        raise LabelProblems(problems)
    # Units written by `hypefact label` come in the order they were answered; the
    # context features need each document's units together and in reading order.
    return in_document_order(units)


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

    from .model import UnitClassifier, context_features

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
        Z = context_features(P, docs, texts, estimator.window)
        P = cross_val_predict(estimator._context_model(), Z, y, groups=docs, cv=cv, method="predict_proba")
    return classes, P


def cross_validated_metrics(units: list[LabeledUnit], folds: int = 5, n_jobs: int | None = None,
                            stage1: np.ndarray | None = None, **params) -> dict:
    """Per-label precision/recall/F1, accuracy, macro-F1 and confusion from out-of-fold predictions."""
    from .evaluate import Evaluation

    classes, P = out_of_fold_proba(units, folds, n_jobs, stage1, **params)
    predicted = [classes[i] for i in np.argmax(P, axis=1)]
    report = Evaluation(units, predicted, P, classes).report()
    report["folds"] = min(folds, len({u.doc for u in units}))
    report["method"] = "out-of-fold predictions, folds grouped by document (stage 2 stacked on stage 1)"
    return report


def fit_model(units: list[LabeledUnit], n_jobs: int | None = None, **params):
    """The fitted :class:`UnitClassifier` for these units."""
    from .model import UnitClassifier

    return UnitClassifier(n_jobs=n_jobs, **params).fit([u.as_input() for u in units], [u.label for u in units])


def train(data_paths, cv_folds: int = 5, n_jobs: int | None = None, **params) -> tuple[object, dict]:
    """Check, measure and fit; returns the estimator and the metadata for its sidecar (nothing written)."""
    started = time.perf_counter()
    units = load_training_units(data_paths)
    if len(units) < 20 or len({u.label for u in units}) < 2:
        raise ValueError(f"need at least 20 labeled units with 2+ labels to train, got {len(units)}")
    counts = {lab: sum(u.label == lab for u in units) for lab in LABELS}
    model = fit_model(units, n_jobs, **params)
    # The fit's own out-of-fold stage-1 probabilities serve the metrics when the folds are the
    # same: no second cross-validation of stage 1.
    stage1 = getattr(model, "oof_proba_", None) if cv_folds == model.cv else None
    metrics = (cross_validated_metrics(units, cv_folds, n_jobs, stage1, **params) if cv_folds > 1 else {})
    meta = {
        "training_data": {"paths": [str(Path(p)) for p in data_paths], "units": len(units),
                          "documents": len({u.doc for u in units}), "label_counts": counts,
                          "sha256": data_hash(units)},
        "params": model.get_params(),
        "cv_metrics": metrics,
        "train_seconds": round(time.perf_counter() - started, 1),
    }
    return model, meta


def card_path(model_path) -> Path:
    """Where a model's Markdown card goes: next to its sidecar."""
    return Path(model_path).with_suffix(".md")


def save_trained(model, meta: dict, output) -> dict:
    """Write model, sidecar and model card; returns the sidecar's content."""
    from .data import atomic_write_text
    from .model import save_model

    side = save_model(model, output, meta)
    atomic_write_text(card_path(output), model_card(side))
    return side


def train_model(data_paths, output, cv_folds: int = 5, n_jobs: int | None = None, **params) -> dict:
    """Read labels, cross-validate, fit on everything, save atomically; returns the sidecar."""
    model, meta = train(data_paths, cv_folds, n_jobs, **params)
    return save_trained(model, meta, output)


def model_card(meta: dict) -> str:
    """A short Markdown model card from a sidecar's content."""
    data = meta.get("training_data", {})
    m = meta.get("cv_metrics") or {}
    v = meta.get("versions", {})
    lines = [
        f"# Model card: {meta.get('name', '?')}",
        "",
        f"- Created: {meta.get('created', '?')} with hypefact {v.get('hypefact', '?')}, "
        f"scikit-learn {v.get('scikit-learn', '?')}, Python {v.get('python', '?')}",
        f"- File: `{meta.get('model_file', '?')}`, SHA-256 `{meta.get('sha256', '?')}` (recorded in the JSON sidecar).",
        "- Format: a joblib pickle. Loading one runs code, so hypefact loads it only when its SHA-256 matches "
        "the sidecar; take model files only from people you trust.",
        "",
        "## Intended use",
        "",
        "Labels each sentence-like unit of an English news article as `sourced_fact`, `attributed_claim`, "
        "`speculation` or `boilerplate` (see LABELING.md), so that a reader can tell reporting from analysis "
        "and hype. It does not check facts: `sourced_fact` means the sentence is written as checkable fact "
        "in the writer's own voice, not that it is true.",
        "",
        "## Training data",
        "",
        f"- {data.get('units', '?')} units from {data.get('documents', '?')} documents; "
        f"data SHA-256 `{str(data.get('sha256', '?'))[:16]}...`",
        "- Label counts: " + ", ".join(f"{k} {n}" for k, n in data.get("label_counts", {}).items()),
        "- Sources: " + ", ".join(f"`{p}`" for p in data.get("paths", [])),
        "",
        "## Cross-validated metrics",
        "",
    ]
    if m:
        lines += [f"{m.get('method', 'cross-validation')}, {m.get('folds')} folds: accuracy "
                  f"{m['accuracy']:.3f}, macro-F1 {m['macro_f1']:.3f}.", "",
                  "| label | precision | recall | F1 | support |", "| --- | ---: | ---: | ---: | ---: |"]
        lines += [f"| {lab} | {x['precision']:.3f} | {x['recall']:.3f} | {x['f1']:.3f} | {x['support']} |"
                  for lab, x in m["per_label"].items()]
    else:
        lines.append("Not measured (trained with `--cv 0`).")
    lines += [
        "",
        "## Limitations",
        "",
        "- Figures are for text like the training data; a newsroom's own style can differ: label a sample "
        "with `hypefact label` and compare with `hypefact train --eval`.",
        "- Documents count as one group in cross-validation, but near-duplicate sentences in different "
        "documents can still inflate the figures (`hypefact check` lists them).",
        "- The context stage reads neighbouring units; units labeled out of order are sorted back by their "
        "`start` offsets, and neighbours that were never labeled are missing from training.",
        "",
        "## Parameters",
        "",
        ", ".join(f"`{k}={val}`" for k, val in meta.get("params", {}).items()) or "-",
        "",
    ]
    return "\n".join(lines)


def compare_models(old, new, units: list[LabeledUnit]) -> dict:
    """Both models scored on the same labeled units, and the units whose predicted label changed."""
    from .evaluate import evaluate_units

    a, b = evaluate_units(old, units), evaluate_units(new, units)  # same document order in both
    changed = [{"source": u.source, "doc": u.doc, "text": u.text, "gold": u.label, "old": po, "new": pn}
               for u, po, pn in zip(a.units, a.predicted, b.predicted) if po != pn]
    return {"old": a.report(), "new": b.report(), "changed": changed,
            "fixed": sum(c["new"] == c["gold"] for c in changed),
            "broken": sum(c["old"] == c["gold"] for c in changed)}
