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

Both come back through :mod:`classifier.training.importers`, which reads the document
id so that the context features see the units of one article together.
"""

from __future__ import annotations

import json
import os
from typing import Iterator

from .._io import atomic_writer
from ..labels import LABELS

FORMATS = ("prodigy", "doccano")


def sentence_rows(store, **filters) -> Iterator[dict]:
    """Every stored sentence (newest score of each article, filtered as ``hypefact export``) in reading order."""
    from ..batch.export import query_rows

    for article in query_rows(store, with_sentences=True, **filters):
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


WRITERS = {"prodigy": prodigy_task, "doccano": doccano_line}


def export_tasks(store, fmt: str, output: str | os.PathLike | None = None, stream=None, **filters) -> int:
    """Write one ``fmt`` task per stored sentence to ``output`` (atomically) or ``stream``; returns the count."""
    if fmt not in WRITERS:
        raise ValueError(f"unknown task format {fmt!r} (choose from {', '.join(FORMATS)})")
    make = WRITERS[fmt]

    def write(fh) -> int:
        n = 0
        for row in sentence_rows(store, **filters):
            fh.write(json.dumps(make(row), ensure_ascii=False) + "\n")
            n += 1
        fh.flush()
        return n

    if output is None:
        return write(stream)
    with atomic_writer(output) as fh:
        return write(fh)
