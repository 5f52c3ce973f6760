"""Features of a unit of text, as scikit-learn transformers.

Three views of one sentence, joined in a FeatureUnion:

* word n-grams (TF-IDF over :func:`~classifier.features.cues.word_ngrams`): what the
  sentence is about and its stock phrases;
* optionally character n-grams (measured: no gain on the dev set, 3x the cost,
  so off by default);
* cue features (:func:`~classifier.features.cues.cue_vector`): lexicon counts (hedges,
  reporting verbs, record frames, evaluative words, page furniture,
  imperatives) and the shape of the line.

The analyzers and cues live in :mod:`classifier.features.cues`, free of scikit-learn, so
the compiled model (:mod:`classifier.model.compiled`) runs the very same code.
"""

from __future__ import annotations

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin

from ..features.cues import CUE_NAMES, char_ngrams, cue_vector, word_ngrams


class CueFeatures(BaseEstimator, TransformerMixin):
    """Hand-picked linguistic and layout cues, one dense row per text."""

    def fit(self, X, y=None):
        return self

    def transform(self, X):
        return np.array([cue_vector(t) for t in X], dtype=np.float64).reshape(len(X), len(CUE_NAMES))

    def get_feature_names_out(self, input_features=None):
        return np.array([f"cue__{n}" for n in CUE_NAMES], dtype=object)


def text_features(chars: bool = False):
    """The sentence-level feature union: word n-grams + character n-grams + scaled cues."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.pipeline import FeatureUnion, make_pipeline
    from sklearn.preprocessing import StandardScaler

    parts = [("words", TfidfVectorizer(analyzer=word_ngrams, min_df=2, sublinear_tf=True, max_features=60000))]
    if chars:
        parts.append(("chars", TfidfVectorizer(analyzer=char_ngrams, min_df=3, sublinear_tf=True,
                                               max_features=60000)))
    parts.append(("cues", make_pipeline(CueFeatures(), StandardScaler())))
    return FeatureUnion(parts)
