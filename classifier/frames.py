"""hypefact for pandas users: annotate a column of texts, get two DataFrames back.

::

    from classifier import annotate_frame
    sentences, documents = annotate_frame(df, text="body", id="url")

``sentences`` has one row per unit (``doc, index, start, end, text, label,
confidence`` and one ``p_<label>`` column per label); ``documents`` one row per
input row (``doc, verdict, n_sentences, count_<label>, share_<label>, problem``), in
the input's order and with its index. The work is
:meth:`classifier.annotate.Annotator.annotate_many`, the code path of ``hypefact
annotate``, so the figures are the same. A row whose text is missing or not a
string is not annotated: its ``problem`` says why and the others go on.

pandas is an optional extra (``pip install 'hypefact[pandas]'``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Iterable

from .about import HypefactError
from .labels import CLAIM_LABELS, LABELS

if TYPE_CHECKING:
    import pandas as pd

SENTENCE_COLUMNS = ["doc", "index", "start", "end", "text", "label", "confidence"] + [f"p_{lab}" for lab in LABELS]
DOCUMENT_COLUMNS = (["doc", "verdict", "n_sentences"] + [f"count_{lab}" for lab in LABELS]
                    + [f"share_{lab}" for lab in CLAIM_LABELS] + ["problem"])


class FrameError(HypefactError, ValueError):
    """A DataFrame that cannot be annotated as asked (e.g. no such column)."""


def _pandas():
    try:
        import pandas as pd
    except ImportError:
        raise FrameError("the DataFrame API needs pandas: pip install 'hypefact[pandas]'") from None
    return pd


def annotate_frame(data, text: str = "text", id: str | None = None, annotator=None, model=None,
                   batch_size: int = 32) -> tuple["pd.DataFrame", "pd.DataFrame"]:
    """Annotate every text of ``data`` (a DataFrame, a Series or a list of strings).

    ``text`` names the column of texts; ``id`` the column that identifies a document
    (default: the frame's index). Returns ``(sentences, documents)``.
    """
    pd = _pandas()
    if isinstance(data, pd.DataFrame):
        if text not in data.columns:
            raise FrameError(f"no column {text!r} in the DataFrame (columns: {', '.join(map(str, data.columns))}); "
                             "name the text column with text=")
        if id is not None and id not in data.columns:
            raise FrameError(f"no column {id!r} in the DataFrame; name the id column with id=")
        texts = data[text].to_list()
        ids = data[id].to_list() if id is not None else data.index.to_list()
        index = data.index
    elif isinstance(data, pd.Series):
        texts, ids, index = data.to_list(), data.index.to_list(), data.index
    elif isinstance(data, str):
        raise FrameError("annotate_frame takes many texts (a DataFrame, Series or list), not one string")
    else:
        texts = list(data)
        ids = list(range(len(texts)))
        index = pd.RangeIndex(len(texts))
    if annotator is None:
        from .annotate import Annotator

        annotator = Annotator.load(model)
    results = _annotate(annotator, texts, batch_size)
    return frames_of(results, ids, index)


def _annotate(annotator, texts: list, batch_size: int) -> list:
    """DocumentResult per text, or the reason it could not be annotated (a string)."""
    out: list = [None] * len(texts)
    good = [i for i, t in enumerate(texts) if isinstance(t, str)]
    for i, t in enumerate(texts):
        if not isinstance(t, str):
            out[i] = "missing text" if t is None or t != t else f"text is {type(t).__name__}, not a string"
    for start in range(0, len(good), batch_size):
        chunk = good[start:start + batch_size]
        for i, result in zip(chunk, annotator.annotate_many([texts[i] for i in chunk])):
            out[i] = result
    return out


def frames_of(results: Iterable, ids: list | None = None, index=None) -> tuple["pd.DataFrame", "pd.DataFrame"]:
    """Sentence and document frames of :class:`~classifier.annotate.DocumentResult` objects
    (a string in place of a result is a document that could not be annotated, and why)."""
    pd = _pandas()
    results = list(results)
    ids = ids if ids is not None else [getattr(r, "path", i) for i, r in enumerate(results)]
    sentence_rows, document_rows = [], []
    for doc_id, r in zip(ids, results):
        if isinstance(r, str):
            document_rows.append({"doc": doc_id, "verdict": None, "n_sentences": 0, "problem": r})
            continue
        document_rows.append({"doc": doc_id, "verdict": r.verdict, "n_sentences": len(r.sentences),
                              **{f"count_{lab}": r.counts.get(lab, 0) for lab in LABELS},
                              **{f"share_{lab}": r.shares.get(lab, 0.0) for lab in CLAIM_LABELS}, "problem": None})
        for s in r.sentences:
            sentence_rows.append({"doc": doc_id, "index": s.index, "start": s.start, "end": s.end, "text": s.text,
                                  "label": s.label, "confidence": s.confidence,
                                  **{f"p_{lab}": s.scores.get(lab, 0.0) for lab in LABELS}})
    sentences = pd.DataFrame(sentence_rows, columns=SENTENCE_COLUMNS)
    documents = pd.DataFrame(document_rows, columns=DOCUMENT_COLUMNS,
                             index=index if index is not None and len(index) == len(document_rows) else None)
    for col in ["n_sentences"] + [f"count_{lab}" for lab in LABELS]:
        documents[col] = documents[col].fillna(0).astype("int64")
    return sentences, documents
