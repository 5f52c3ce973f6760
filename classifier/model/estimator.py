"""The unit classifier: a scikit-learn estimator in two stages.

1. a *sentence model* (word n-grams + cue features, logistic regression) that
   reads one unit at a time;
2. a *context model* that reads the sentence model's probabilities for the unit
   and its neighbours in the same document (boilerplate comes in runs, a quote
   continues after "he said", a heading precedes a paragraph), the unit's
   position, the document's overall mix and whether a quotation is still open.
   It is trained on out-of-fold probabilities (grouped by document) so it learns
   how far to trust stage 1 on text it has not seen.

Units labeled ``attributed_claim`` that carry no attribution marker of their own
(the sentences of a quoted excerpt under a source tag, a quote's continuation)
owe their label to their context, not their wording. With ``borrowed=True`` the
sentence model does not learn from them (they train the context model only): it
keeps reading "I loved it" as an opinion, and the context model learns when a
tag line or an open quote makes it someone else's.

Inputs are units in document order: dicts ``{"text", "doc"}``, with ``"outside": 1.0``
for a unit outside its page's article region (see :mod:`classifier.features.region`),
or plain strings, taken as one document.
"""

from __future__ import annotations

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin, clone

from ..features.context import context_features, split_units
from ..features.cues import has_own_attribution
from ..features.region import unit_outside
from ..features.transformers import text_features


class UnitClassifier(ClassifierMixin, BaseEstimator):
    """Sentence model + document-context model, with the scikit-learn estimator API."""

    def __init__(self, C: float = 4.0, chars: bool = False, context: bool = True, window: int = 2, cv: int = 5,
                 context_C: float = 0.1, borrowed: bool = True, n_jobs: int | None = None,
                 random_state: int = 0):
        self.C = C
        self.chars = chars
        self.context = context
        self.window = window
        self.cv = cv
        self.context_C = context_C
        self.borrowed = borrowed
        self.n_jobs = n_jobs
        self.random_state = random_state

    def _sentence_model(self):
        from sklearn.linear_model import LogisticRegression
        from sklearn.pipeline import Pipeline

        return Pipeline([
            ("features", text_features(self.chars)),
            ("clf", LogisticRegression(C=self.C, solver="newton-cg", max_iter=300, class_weight="balanced")),
        ])

    def _context_model(self):
        from sklearn.linear_model import LogisticRegression
        from sklearn.pipeline import make_pipeline
        from sklearn.preprocessing import StandardScaler

        # Unlike stage 1, not class-balanced: these probabilities give the document's
        # shares, and balancing inflates the rarer labels on every page (own data,
        # out-of-fold: document MAE 0.0555 balanced, 0.0531 not).
        return make_pipeline(StandardScaler(), LogisticRegression(C=self.context_C, max_iter=3000))

    def sentence_weights(self, texts: list[str], y: np.ndarray) -> np.ndarray:
        """Training weights of the sentence model: 0 for borrowed attribution (see above)."""
        weight = np.ones(len(y))
        if self.borrowed:
            borrowed = (y == "attributed_claim") & ~np.array([has_own_attribution(t) for t in texts], dtype=bool)
            weight[borrowed] = 0.0
        return weight

    def fit(self, X, y):
        from sklearn.model_selection import GroupKFold, cross_val_predict

        texts, docs = split_units(X)
        y = np.asarray(y)
        self.classes_ = np.unique(y)  # the column order of predict_proba, as in scikit-learn
        sentence = self._sentence_model()
        weight = self.sentence_weights(texts, y)
        if self.context:
            n_groups = len(set(docs))
            folds = GroupKFold(n_splits=min(self.cv, n_groups)) if n_groups >= 2 else 2
            oof = cross_val_predict(clone(sentence), texts, y, groups=docs, cv=folds, method="predict_proba",
                                    n_jobs=self.n_jobs, params={"clf__sample_weight": weight})
            # Kept so that training can report cross-validated metrics without refitting stage 1.
            self.oof_proba_ = oof
            Z = context_features(oof, docs, texts, self.window, unit_outside(X))
            self.context_model_ = self._context_model().fit(Z, y)
        self.sentence_model_ = sentence.fit(texts, y, clf__sample_weight=weight)
        return self

    def predict_proba(self, X) -> np.ndarray:
        texts, docs = split_units(X)
        if not texts:
            return np.zeros((0, len(self.classes_)))
        P = self.sentence_model_.predict_proba(texts)
        if not self.context:
            return P
        return self.context_model_.predict_proba(context_features(P, docs, texts, self.window, unit_outside(X)))

    def predict(self, X) -> np.ndarray:
        return self.classes_[np.argmax(self.predict_proba(X), axis=1)]
