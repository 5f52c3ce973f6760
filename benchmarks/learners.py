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
  chars        the shipped design with character 2-5-grams in the sentence model (round 9)
  interactions the context model with unit scores x document-mean scores (16 columns; round 9)
  crf          a linear-chain CRF over each document's units as the context model, on the same
               context features (round 9; needs ``pip install sklearn-crfsuite``)

Only the shipped design has a compiled (pickle-free) form; the others are measured,
not shipped (docs/accuracy.md says why).
"""

from __future__ import annotations

import argparse
from contextlib import contextmanager
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


class InteractionContext(UnitClassifier):
    """The context features plus, per unit, its stage-1 scores times its document's mean scores."""

    def fit(self, X, y, **kw):
        with _interactions():
            return super().fit(X, y, **kw)

    def predict_proba(self, X):
        with _interactions():
            return super().predict_proba(X)


@contextmanager
def _interactions():
    """The estimator's context features with the interaction columns, for the time of one call."""
    import numpy as np

    import classifier.model.estimator as estimator
    from classifier.features import context

    def with_interactions(P, docs, texts, window=2, outside=None):
        Z = context.context_features(P, docs, texts, window, outside)
        M = np.zeros_like(P)
        for sl in context._doc_slices(docs):
            M[sl] = P[sl].mean(axis=0)
        return np.hstack([Z, (P[:, :, None] * M[:, None, :]).reshape(len(P), -1)])

    estimator.context_features = with_interactions
    try:
        yield
    finally:
        estimator.context_features = context.context_features


class CRFContext(UnitClassifier):
    """A linear-chain CRF (sklearn-crfsuite) over each document's units, on the standardised
    context features, in place of the logistic context model."""

    def fit(self, X, y, **kw):
        import numpy as np
        import sklearn_crfsuite
        from sklearn.preprocessing import StandardScaler

        from classifier.features.context import _doc_slices, context_features
        from classifier.features.region import unit_outside
        from classifier.model.inputs import unit_columns

        super().fit(X, y, **kw)  # stage 1 and its out-of-fold scores (the logistic context model is unused)
        texts, docs = unit_columns(X)
        Z = context_features(self.oof_proba_, docs, texts, self.window, unit_outside(X))
        self.scaler_ = StandardScaler().fit(Z)
        y = np.asarray(y)
        self.crf_ = sklearn_crfsuite.CRF(algorithm="lbfgs", c1=0.05, c2=0.05, max_iterations=200,
                                         all_possible_transitions=True)
        self.crf_.fit(self._sequences(self.scaler_.transform(Z), docs), [list(y[sl]) for sl in _doc_slices(docs)])
        return self

    @staticmethod
    def _sequences(Z, docs):
        from classifier.features.context import _doc_slices

        return [[{f"f{j}": float(v) for j, v in enumerate(row)} for row in Z[sl]] for sl in _doc_slices(docs)]

    def predict_proba(self, X):
        import numpy as np

        from classifier.features.context import context_features
        from classifier.features.region import unit_outside
        from classifier.model.inputs import unit_columns

        X = list(X)
        texts, docs = unit_columns(X)
        P = self.sentence_model_.predict_proba(texts)
        Z = self.scaler_.transform(context_features(P, docs, texts, self.window, unit_outside(X)))
        marginals = self.crf_.predict_marginals(self._sequences(Z, docs))
        return np.array([[m[c] for c in self.classes_] for seq in marginals for m in seq])


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
    "chars": lambda: UnitClassifier(chars=True, n_jobs=2),
    "interactions": lambda: InteractionContext(n_jobs=2),
    "crf": lambda: CRFContext(n_jobs=2),
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
