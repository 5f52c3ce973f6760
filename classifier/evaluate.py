"""Score a model against labeled units: per-label metrics, confusion, errors in context."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from . import LABELS
from .data import LabeledUnit


def in_document_order(units: list[LabeledUnit]) -> list[LabeledUnit]:
    """Units grouped by document and, where offsets are known, sorted by them.

    The context model needs each document's units together and in reading order;
    files that carry ``start`` offsets may list them otherwise.
    """
    order = {}
    for u in units:
        order.setdefault(u.doc, len(order))
    return sorted(units, key=lambda u: (order[u.doc], u.extra.get("start", 0) if isinstance(u.extra.get("start", 0), int) else 0))


@dataclass
class Evaluation:
    units: list[LabeledUnit]
    predicted: list[str]
    proba: np.ndarray
    classes: list[str]

    def report(self) -> dict:
        """The figures of ``hypefact evaluate --json``."""
        from sklearn.metrics import accuracy_score, confusion_matrix, precision_recall_fscore_support

        gold = [u.label for u in self.units]
        labels = list(LABELS)
        p, r, f, s = precision_recall_fscore_support(gold, self.predicted, labels=labels, zero_division=0)
        present = [i for i, n in enumerate(s) if n > 0]
        return {
            "n": len(gold),
            "accuracy": round(float(accuracy_score(gold, self.predicted)), 4) if gold else 0.0,
            "macro_f1": round(float(np.mean([f[i] for i in present])), 4) if present else 0.0,
            "per_label": {
                lab: {"precision": round(float(p[i]), 4), "recall": round(float(r[i]), 4),
                      "f1": round(float(f[i]), 4), "support": int(s[i])}
                for i, lab in enumerate(labels)
            },
            "confusion": {"labels": labels,
                          "matrix": confusion_matrix(gold, self.predicted, labels=labels).tolist()},
        }

    def errors(self, context: int = 1) -> list[dict]:
        """Misclassified units with their neighbours (same document) and the model's scores."""
        out = []
        for i, (u, pred) in enumerate(zip(self.units, self.predicted)):
            if u.label == pred:
                continue
            before = [v.text for v in self.units[max(0, i - context):i] if v.doc == u.doc]
            after = [v.text for v in self.units[i + 1:i + 1 + context] if v.doc == u.doc]
            out.append({"doc": u.doc, "text": u.text, "gold": u.label, "predicted": pred,
                        "scores": {c: round(float(p), 3) for c, p in zip(self.classes, self.proba[i])},
                        "before": before, "after": after, "source": u.source})
        return out


def evaluate_units(model, units: list[LabeledUnit]) -> Evaluation:
    units = in_document_order(units)
    proba = model.predict_proba([u.as_input() for u in units])
    classes = [str(c) for c in model.classes_]
    predicted = [classes[i] for i in np.argmax(proba, axis=1)] if len(units) else []
    return Evaluation(units, predicted, proba, classes)
