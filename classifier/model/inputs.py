"""What the estimators accept as ``X``: units as dicts, (doc, text) pairs or strings, or pandas data.

Iterating over a DataFrame yields its column names, so before this a 4-row frame
gave 2 "predictions" of the words ``text`` and ``doc``. :func:`unit_columns` reads
pandas objects by column instead, without importing pandas (duck-typed, so pandas
stays an optional extra):

* a DataFrame with a ``text`` column and, optionally, a ``doc`` column (units in
  reading order; without ``doc`` all rows are one document);
* a Series of texts (one document);
* anything else goes to :func:`classifier.features.context.split_units`.
"""

from __future__ import annotations

from ..features.context import split_units


def _is_frame(X) -> bool:
    return hasattr(X, "columns") and hasattr(X, "iloc")


def _is_series(X) -> bool:
    return hasattr(X, "iloc") and hasattr(X, "to_list") and not hasattr(X, "columns")


def unit_columns(X) -> tuple[list[str], list[str]]:
    """Texts and document ids of ``X``; raises ValueError for a frame without a ``text`` column."""
    if _is_frame(X):
        columns = [str(c) for c in X.columns]
        if "text" not in columns:
            raise ValueError(f"a DataFrame of units needs a 'text' column (and optionally 'doc'); "
                             f"it has {', '.join(columns) or 'no columns'}")
        texts = X["text"].to_list()
        docs = [str(d) for d in X["doc"].to_list()] if "doc" in columns else [""] * len(texts)
        _check_texts(texts)
        return [str(t) for t in texts], docs
    if _is_series(X):
        texts = X.to_list()
        _check_texts(texts)
        return [str(t) for t in texts], [""] * len(texts)
    if isinstance(X, str):
        raise ValueError("X is one string; pass a list of units (e.g. [text]) or a DataFrame with a 'text' column")
    return split_units(X)


def _check_texts(texts: list) -> None:
    bad = next((i for i, t in enumerate(texts) if not isinstance(t, str)), None)
    if bad is not None:
        raise ValueError(f"row {bad}: text is {type(texts[bad]).__name__} {texts[bad]!r}, not a string")
