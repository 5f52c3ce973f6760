"""Pre-annotated tasks for Prodigy and doccano: hypefact guesses, a person corrects, ``hypefact import`` reads it back.

The loop::

    hypefact export --db news.db --format prodigy -o tasks.jsonl
    prodigy textcat.manual news_units tasks.jsonl --label sourced_fact,attributed_claim,speculation,boilerplate --exclusive
    prodigy db-out news_units > corrected.jsonl
    hypefact import corrected.jsonl --from prodigy --into data/labels/mine.jsonl

Formats (one JSON object per line, one task per sentence, in reading order):

* ``prodigy``: a choice task as Prodigy's ``choice`` interface and ``textcat.manual``
  take it (https://prodi.gy/docs/api-interfaces#choice,
  https://prodi.gy/docs/recipes#textcat-manual): ``text``, ``options`` (one per
  label, ``{"id", "text"}``) and ``accept`` (the ids of the selected options: here the
  model's guess, pre-selected), with the document id, position and confidence in
  ``meta`` (shown on the card and kept by ``db-out``).
* ``doccano``: a text-classification line as doccano's JSONL import takes it
  (``{"text": ..., "label": [...]}``, the example in doccano's
  ``backend/data_import/pipeline/examples.py``); other keys (``doc``, ``idx``,
  ``confidence``) are kept by doccano as metadata.

* ``prodigy-spans``: one task per article for ``spans.manual`` (or ``ner.manual``), the
  ``spans_manual`` task format (https://prodi.gy/docs/api-interfaces#spans_manual):
  the article ``text``, its ``tokens`` (``text, start, end, id, ws``) and one span per
  unit (``start, end, token_start, token_end`` (inclusive), ``label``). A person sees
  every sentence in its article, fixes labels (and boundaries), and each span comes
  back as one unit.
* ``doccano-spans``: one line per article for a doccano sequence-labeling project,
  ``{"text": ..., "label": [[start, end, label], ...]}`` (the span example in the same
  ``examples.py``).

All come back through :mod:`classifier.training.importers`, which reads the document
id so that the context features see the units of one article together.

    prodigy spans.manual news_spans blank:en tasks.jsonl --label sourced_fact,attributed_claim,speculation,boilerplate
"""

from __future__ import annotations

import json
import os
from typing import Iterable, Iterator

from .._io import atomic_writer
from ..labels import LABELS

FORMATS = ("prodigy", "doccano", "prodigy-spans", "doccano-spans")


def sentence_rows(articles: Iterable[dict]) -> Iterator[dict]:
    """Every sentence of ``articles`` (rows of :func:`classifier.batch.export.query_rows` with text and
    sentences) in reading order."""
    for article in articles:
        for s in article["sentences"]:
            if s["text"]:
                yield {"doc": article["article_id"], "title": article["title"] or article["url"] or article["guid"],
                       "idx": s["idx"], "text": s["text"], "label": s["label"], "confidence": s["confidence"],
                       "model": article["model_name"]}


def prodigy_task(row: dict) -> dict:
    return {"text": row["text"], "options": [{"id": lab, "text": lab} for lab in LABELS], "accept": [row["label"]],
            "meta": {"doc_id": row["doc"], "idx": row["idx"], "title": row["title"],
                     "confidence": round(row["confidence"], 3), "model": row["model"]}}


def doccano_line(row: dict) -> dict:
    return {"text": row["text"], "label": [row["label"]], "doc": row["doc"], "idx": row["idx"],
            "title": row["title"], "confidence": round(row["confidence"], 3)}


def article_rows(articles: Iterable[dict]) -> Iterator[dict]:
    """Each article of ``articles`` (rows of ``query_rows`` with text and sentences) with its labeled units."""
    for article in articles:
        text = article["text"]
        # Only units whose offsets still point into this text (a score of an older version is left out).
        units = [s for s in article["sentences"] if s["text"] and text[s["start"]:s["end"]] == s["text"]]
        if units:
            yield {"doc": article["article_id"], "title": article["title"] or article["url"] or article["guid"],
                   "text": text, "units": units, "model": article["model_name"], "verdict": article["verdict"]}


def prodigy_spans_task(row: dict) -> dict:
    from ..segment import load_pipeline

    doc = load_pipeline().make_doc(row["text"])  # the tokenizer that made the units: they fall on its tokens
    spans = []
    for u in row["units"]:
        span = doc.char_span(u["start"], u["end"], alignment_mode="expand")
        spans.append({"start": span.start_char, "end": span.end_char, "token_start": span.start,
                      "token_end": span.end - 1, "label": u["label"]})
    tokens = [{"text": t.text, "start": t.idx, "end": t.idx + len(t.text), "id": t.i, "ws": bool(t.whitespace_)}
              for t in doc]
    return {"text": row["text"], "tokens": tokens, "spans": spans,
            "meta": {"doc_id": row["doc"], "title": row["title"], "verdict": row["verdict"], "model": row["model"]}}


def doccano_spans_line(row: dict) -> dict:
    return {"text": row["text"], "label": [[u["start"], u["end"], u["label"]] for u in row["units"]],
            "doc": row["doc"], "title": row["title"]}


WRITERS = {"prodigy": prodigy_task, "doccano": doccano_line, "prodigy-spans": prodigy_spans_task,
           "doccano-spans": doccano_spans_line}
SPAN_FORMATS = ("prodigy-spans", "doccano-spans")


def export_tasks(articles: Iterable[dict], fmt: str, output: str | os.PathLike | None = None, stream=None) -> int:
    """Write ``fmt`` tasks for ``articles`` (one per sentence, or per article for the span formats) to
    ``output`` (atomically) or ``stream``; returns the count. ``hypefact export`` passes the rows of
    :func:`classifier.batch.export.query_rows` (with text and sentences), filtered as asked."""
    if fmt not in WRITERS:
        raise ValueError(f"unknown task format {fmt!r} (choose from {', '.join(FORMATS)})")
    make = WRITERS[fmt]

    rows = article_rows if fmt in SPAN_FORMATS else sentence_rows

    def write(fh) -> int:
        n = 0
        for row in rows(articles):
            fh.write(json.dumps(make(row), ensure_ascii=False) + "\n")
            n += 1
        fh.flush()
        return n

    if output is None:
        return write(stream)
    with atomic_writer(output) as fh:
        return write(fh)
