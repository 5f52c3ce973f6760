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

Inputs are units in document order: dicts ``{"text", "doc"}`` (or plain strings,
taken as one document), a pandas DataFrame with ``text`` (and ``doc``) columns, or a
Series of texts (see :mod:`classifier.model.inputs`). A unit outside its page's article
region carries ``"outside": 1.0`` (a dict key or a DataFrame column; see
:mod:`classifier.features.region`).
"""

from __future__ import annotations

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin, clone

from sklearn.model_selection import GroupKFold

from ..features.context import context_features
from ..features.cues import has_own_attribution
from ..features.region import unit_outside
from ..features.transformers import text_features
from .inputs import unit_columns


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

    def fit(self, X, y, progress=None):
        """Fit both stages. ``progress(stage, done, total)``, if given, hears of each step:
        ``("folds", k, n)`` as the k-th of n cross-validation folds of stage 1 finishes,
        then ``("context", 1, 1)`` and ``("final", 1, 1)`` (stage 1 refit on everything)."""
        texts, docs = unit_columns(X)
        y = np.asarray(y)
        if len(y) != len(texts):
            raise ValueError(f"X has {len(texts)} units but y has {len(y)} labels")
        report = progress or (lambda stage, done, total: None)
        self.classes_ = np.unique(y)  # the column order of predict_proba, as in scikit-learn
        sentence = self._sentence_model()
        weight = self.sentence_weights(texts, y)
        if self.context:
            n_groups = len(set(docs))
            folds = GroupKFold(n_splits=min(self.cv, n_groups)) if n_groups >= 2 else 2
            oof = out_of_fold_stage1(sentence, texts, y, docs, weight, folds, self.n_jobs, self.classes_, report)
            # Kept so that training can report cross-validated metrics without refitting stage 1.
            self.oof_proba_ = oof
            Z = context_features(oof, docs, texts, self.window, unit_outside(X))
            self.context_model_ = self._context_model().fit(Z, y)
            report("context", 1, 1)
        report("final", 0, 1)
        self.sentence_model_ = sentence.fit(texts, y, clf__sample_weight=weight)
        report("final", 1, 1)
        return self

    def predict_proba(self, X) -> np.ndarray:
        from sklearn.utils.validation import check_is_fitted

        check_is_fitted(self, "sentence_model_")  # NotFittedError, as every scikit-learn estimator
        X = X if hasattr(X, "__len__") else list(X)  # read twice: texts and docs, then region flags
        texts, docs = unit_columns(X)
        if not texts:
            return np.zeros((0, len(self.classes_)))
        P = self.sentence_model_.predict_proba(texts)
        if not self.context:
            return P
        return self.context_model_.predict_proba(context_features(P, docs, texts, self.window, unit_outside(X)))

    def predict(self, X) -> np.ndarray:
        proba = self.predict_proba(X)  # checks that the model is fitted first
        return self.classes_[np.argmax(proba, axis=1)]


def _fit_fold(model, texts, y, weight, train, test, classes):
    """Stage 1 fitted on one fold's training part; its probabilities on the held-out part, in ``classes`` order."""
    fitted = clone(model).fit([texts[i] for i in train], y[train], clf__sample_weight=weight[train])
    proba = fitted.predict_proba([texts[i] for i in test])
    out = np.zeros((len(test), len(classes)))
    # A class missing from this fold's training part gets probability 0, as in cross_val_predict.
    out[:, np.searchsorted(classes, fitted.classes_)] = proba
    return test, out


def out_of_fold_stage1(model, texts: list[str], y: np.ndarray, docs: list[str], weight: np.ndarray, cv,
                       n_jobs: int | None, classes: np.ndarray, progress) -> np.ndarray:
    """What ``cross_val_predict(model, texts, y, groups=docs, cv=cv, method="predict_proba")`` returns,
    fold by fold, calling ``progress("folds", k, n)`` as each fold finishes (a long training run says
    where it is)."""
    from sklearn.model_selection import check_cv
    from sklearn.utils.parallel import Parallel, delayed

    splitter = check_cv(cv, y, classifier=True)
    splits = list(splitter.split(texts, y, groups=docs))
    n = len(splits)
    progress("folds", 0, n)
    P = np.zeros((len(texts), len(classes)))
    jobs = Parallel(n_jobs=n_jobs, return_as="generator")(
        delayed(_fit_fold)(model, texts, y, weight, train, test, classes) for train, test in splits)
    for k, (test, proba) in enumerate(jobs, 1):
        P[test] = proba
        progress("folds", k, n)
    return P
