"""The article region of a page as a feature: is a unit inside the text an extractor calls the article?

On a real page the article's own sentences sit in one region and the furniture (menus,
related-story lists, comment threads, footers) around it; trafilatura finds that region
(:mod:`classifier.page`). On the project's dev pages 97% of claim-making units fall
inside it and 87% of boilerplate outside, so the flag is a strong cue, but never a
filter: every line of the page is still classified, and the model weighs the flag
against the words (an article paragraph the extractor missed can still read as a claim).

Units carry the flag as ``{"outside": 1.0}`` (missing or 0.0: inside). Plain text has
no region, so every unit counts as inside and these columns are constant: the
feature is neutral there.

Columns (stage 2, the context model): the unit's own flag, the share of its
neighbours (two either side) outside, and the unit's flag times its stage-1
probabilities (outside, a sentence that reads like a claim is more likely a teaser
or a comment). No document-wide share: real pages carry far more furniture than
any training page, and a document-level column shifted every unit of a real page
(measured: the dev pages' speculation shares drifted up by 0.1 and more).
"""

from __future__ import annotations

from typing import Sequence

import numpy as np

REGION_NAMES = ("outside_article", "outside_nearby")
NEIGHBOURS = 2


def unit_outside(X) -> np.ndarray:
    """Per unit, 1.0 if it lies outside its page's article region, else 0.0 (plain strings: inside).

    A pandas DataFrame may carry the flag as an ``outside`` column; without one (or for a
    Series of texts) every unit is inside."""
    if hasattr(X, "iloc"):  # pandas, duck-typed (see classifier.model.inputs)
        columns = [str(c) for c in getattr(X, "columns", [])]
        if "outside" in columns:
            return np.asarray(X["outside"].to_list(), dtype=float)
        return np.zeros(len(X))
    return np.array([float(item.get("outside", 0.0)) if isinstance(item, dict) else 0.0 for item in X],
                    dtype=float)


def region_features(P: np.ndarray, slices: Sequence[slice], outside: np.ndarray | None) -> np.ndarray:
    """The region columns for units with stage-1 probabilities ``P``, documents given as ``slices``."""
    flag, nearby = region_parts(len(P), slices, outside)
    return region_columns(P, flag, nearby)


def region_columns(P: np.ndarray, flag: np.ndarray, nearby: np.ndarray) -> np.ndarray:
    """The region columns of some rows, from their stage-1 scores and :func:`region_parts`."""
    return np.hstack([flag[:, None], nearby[:, None], P * flag[:, None]])


def region_parts(n: int, slices: Sequence[slice], outside: np.ndarray | None) -> tuple[np.ndarray, np.ndarray]:
    """Per unit: its own outside flag, and the share of its neighbours (``NEIGHBOURS`` either side) outside."""
    flag = np.zeros(n) if outside is None else np.asarray(outside, dtype=float).reshape(n)
    nearby = np.zeros(n)
    for sl in slices:
        f = flag[sl]
        m = len(f)
        cum = np.concatenate([[0.0], np.cumsum(f)])
        idx = np.arange(m)
        lo, hi = np.clip(idx - NEIGHBOURS, 0, m), np.clip(idx + NEIGHBOURS + 1, 0, m)
        nearby[sl] = (cum[hi] - cum[lo] - f) / np.maximum(hi - lo - 1, 1)
    return flag, nearby
