"""Score a model against labeled units: per-label metrics, confusion, errors in context."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..labels import LABELS, summarize
from ..model.files import load_predictor
from .corpus import LabeledUnit, LabelFileError, in_document_order, read_labels


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
            "documents": self.documents(),
            "calibration": self.calibration(),
        }

    def calibration(self, bins: int = 10) -> dict:
        """Reliability of the confidence (top probability): per bin, mean confidence vs accuracy.

        ECE is the bin-weighted mean gap; 0 means "0.8 confident" is right 80% of the time.
        """
        if not len(self.units):
            return {"ece": None, "bins": []}
        conf = self.proba.max(axis=1)
        right = np.array([u.label == p for u, p in zip(self.units, self.predicted)], dtype=float)
        edges = np.linspace(0, 1, bins + 1)
        rows, ece = [], 0.0
        for lo, hi in zip(edges[:-1], edges[1:]):
            mask = (conf > lo) & (conf <= hi)
            if mask.any():
                gap = abs(conf[mask].mean() - right[mask].mean())
                ece += mask.mean() * gap
                rows.append({"from": round(float(lo), 2), "to": round(float(hi), 2), "n": int(mask.sum()),
                             "confidence": round(float(conf[mask].mean()), 3),
                             "accuracy": round(float(right[mask].mean()), 3)})
        return {"ece": round(float(ece), 4), "bins": rows}

    def documents(self) -> dict:
        """Document level: true vs predicted share of speculation among claim-making units, verdicts.

        "Clear-cut" documents are those whose true share is at most 0.2 (reporting) or
        at least 0.5 (analysis): every one of them should get the right verdict.
        """
        gold_by, pred_by = {}, {}
        for u, pred in zip(self.units, self.predicted):
            gold_by.setdefault(u.doc, []).append(u.label)
            pred_by.setdefault(u.doc, []).append(pred)
        docs, errors, clear, clear_right = [], [], 0, 0
        for doc, gold in gold_by.items():
            if len(gold) < 2:
                continue
            _, gold_shares, gold_verdict = summarize(gold)
            _, pred_shares, pred_verdict = summarize(pred_by[doc])
            true, predicted = gold_shares["speculation"], pred_shares["speculation"]
            errors.append(abs(true - predicted))
            if true <= 0.2 or true >= 0.5:
                clear += 1
                clear_right += pred_verdict == gold_verdict
            docs.append({"doc": doc, "units": len(gold), "true_share": round(true, 3),
                         "predicted_share": round(predicted, 3), "true_verdict": gold_verdict,
                         "predicted_verdict": pred_verdict})
        return {"n": len(docs), "speculation_share_mae": round(float(np.mean(errors)), 4) if errors else None,
                "clear_cut": clear, "clear_cut_right": clear_right, "per_document": docs}

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


def evaluate(label_paths, model_path=None, allow_pickle: bool = False) -> Evaluation:
    """What ``hypefact evaluate`` runs: the model (default: the shipped one, compiled form) scored on
    the labeled units of ``label_paths`` (files or folders)."""
    units = read_labels(label_paths)
    if not units:
        raise LabelFileError("no labeled units found")
    model, _ = load_predictor(model_path, allow_pickle)
    return evaluate_units(model, units)
