"""Choose the verdict thresholds on the project's own data, never on the dev set.

Usage: python benchmarks/verdict_thresholds.py

Out-of-fold predictions (5 folds grouped by document) for every document in
data/labels give a predicted share of speculation; documents whose true share is
clear-cut (<= 0.2 reporting, >= 0.5 analysis) are scored for each pair of
thresholds (reporting at or below LOW, analysis at or above HIGH, mixed between).
Prints the share MAE and the grid, best first.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main() -> None:
    from classifier.labels import ANALYSIS_MIN, REPORTING_MAX, summarize
    from classifier.training.corpus import read_labels
    from classifier.training.corpus import in_document_order
    from classifier.model.files import DEFAULT_DATA
    from classifier.training.crossval import out_of_fold_proba

    units = in_document_order(read_labels([DEFAULT_DATA]))
    classes, P = out_of_fold_proba(units, 5, 2)
    docs: dict[str, tuple[list, list]] = {}
    for u, i in zip(units, P.argmax(axis=1)):
        gold, pred = docs.setdefault(u.doc, ([], []))
        gold.append(u.label)
        pred.append(classes[i])
    true = np.array([summarize(g)[1]["speculation"] for g, _ in docs.values()])
    pred = np.array([summarize(p)[1]["speculation"] for _, p in docs.values()])
    clear = (true <= 0.2) | (true >= 0.5)
    print(f"{len(docs)} documents; speculation-share MAE (out-of-fold) {np.abs(true - pred).mean():.3f}; "
          f"{clear.sum()} clear-cut")
    grid = []
    for low in np.arange(0.25, 0.451, 0.05):
        for high in np.arange(low, 0.551, 0.05):
            verdict = np.where(pred <= low, "reporting", np.where(pred >= high, "analysis", "mixed"))
            want = np.where(true <= 0.2, "reporting", "analysis")
            grid.append((int((verdict == want)[clear].sum()), round(high - low, 2), round(low, 2), round(high, 2)))
    grid.sort(key=lambda g: (-g[0], -g[1]))
    print(f"{'low':>6}{'high':>6}{'clear-cut right':>17}")
    for right, _, low, high in grid[:12]:
        mark = "  <- in use" if (low, high) == (round(REPORTING_MAX, 2), round(ANALYSIS_MIN, 2)) else ""
        print(f"{low:>6.2f}{high:>6.2f}{right:>10}/{clear.sum()}{mark}")


if __name__ == "__main__":
    main()
