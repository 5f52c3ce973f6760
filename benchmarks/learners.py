"""Richer learners on the same features: what each gives on dev and dev2 (what was tried in round 8).

Usage: python benchmarks/learners.py [--data data/labels] [--only NAME ...]

Trains each variant of the two-stage model on the project's data and scores it on
../shared/dev and ../shared/dev2 (figures only): macro-F1, per-label F1, the
document speculation-share MAE and clear-cut verdicts. Variants:

  shipped      the shipped design: logistic sentence model, logistic context model
  no-context   the sentence model alone (no document context)
  boosting     HistGradientBoostingClassifier as the context model
  mlp          a one-hidden-layer MLP (48 units) as the context model
  no-r8-cues   the shipped design without the round-8 judgement and clause cues (zeroed)

Only the shipped design has a compiled (pickle-free) form; the others are measured,
not shipped (docs/accuracy.md says why).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from classifier.model.estimator import UnitClassifier  # noqa: E402
from classifier.training.corpus import in_document_order, read_labels  # noqa: E402
from classifier.training.evaluate import evaluate_units  # noqa: E402


class BoostedContext(UnitClassifier):
    def _context_model(self):
        from sklearn.ensemble import HistGradientBoostingClassifier

        return HistGradientBoostingClassifier(max_iter=300, learning_rate=0.05, max_leaf_nodes=31,
                                              l2_regularization=1.0, random_state=self.random_state)


class MLPContext(UnitClassifier):
    def _context_model(self):
        from sklearn.neural_network import MLPClassifier
        from sklearn.pipeline import make_pipeline
        from sklearn.preprocessing import StandardScaler

        return make_pipeline(StandardScaler(), MLPClassifier(hidden_layer_sizes=(48,), alpha=1e-2, max_iter=300,
                                                             early_stopping=True, random_state=self.random_state))


def without_round8_cues():
    """Zero the cue columns added in round 8 (a constant column carries no weight)."""
    import classifier.features.transformers as transformers
    from classifier.features.cues import CUE_NAMES, cue_vector

    first = CUE_NAMES.index("subjective_out")
    transformers.cue_vector = lambda text: (v := cue_vector(text))[:first] + [0.0] * (len(v) - first)


VARIANTS = {
    "shipped": lambda: UnitClassifier(n_jobs=2),
    "no-context": lambda: UnitClassifier(context=False, n_jobs=2),
    "boosting": lambda: BoostedContext(n_jobs=2),
    "mlp": lambda: MLPContext(n_jobs=2),
    "no-r8-cues": lambda: (without_round8_cues(), UnitClassifier(n_jobs=2))[1],
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default=str(ROOT / "data" / "labels"))
    parser.add_argument("--only", nargs="*", default=list(VARIANTS))
    args = parser.parse_args()
    units = in_document_order(read_labels([args.data]))
    X, y = [u.as_input() for u in units], [u.label for u in units]
    evals = {name: read_labels([ROOT.parent / "shared" / name / "labels.jsonl"]) for name in ("dev", "dev2")}
    for name in args.only:  # no-r8-cues patches the cues: keep it last
        started = time.perf_counter()
        model = VARIANTS[name]().fit(X, y)
        line = [f"{name:<11} fit {time.perf_counter() - started:4.0f} s"]
        for set_name, eval_units in evals.items():
            r = evaluate_units(model, eval_units).report()
            d = r["documents"]
            per = " ".join(f"{lab[:4]} {m['f1']:.3f}" for lab, m in r["per_label"].items())
            line.append(f"{set_name}: macro-F1 {r['macro_f1']:.3f} ({per}) MAE {d['speculation_share_mae']:.3f} "
                        f"clear {d['clear_cut_right']}/{d['clear_cut']}")
        print(" | ".join(line), flush=True)


if __name__ == "__main__":
    main()
