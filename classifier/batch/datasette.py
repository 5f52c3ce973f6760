"""A Datasette metadata file for a results database: titles, column descriptions, facets.

``hypefact export --db news.db --format datasette-metadata -o metadata.json`` then
``datasette news.db --metadata metadata.json`` (https://docs.datasette.io/en/stable/metadata.html):
the tables open with their descriptions, sentences facet by label, articles show
their title in foreign-key links, and the ``latest_verdicts`` view facets by verdict.
Nothing here is needed to browse the database; it only makes it read better.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from .._io import atomic_write_text
from ..labels import LABELS
from .store import SHARE_LABELS


def metadata(db_name: str) -> dict:
    """The metadata for a database that Datasette will call ``db_name`` (its file name without .db)."""
    shares = {f"share_{lab}": f"share of {lab} among the claim-making sentences" for lab in SHARE_LABELS}
    counts = {f"count_{lab}": f"sentences labeled {lab}" for lab in LABELS}
    return {
        "title": "hypefact results",
        "description": "News articles scored by hypefact: each sentence labeled sourced_fact, attributed_claim, "
                       "speculation or boilerplate, and each article's verdict (reporting, mixed, analysis).",
        "databases": {db_name: {"tables": {
            "articles": {
                "description": "One row per article, with the text that was classified.",
                "label_column": "title",
                "sort_desc": "first_seen",
                "columns": {"text": "the text that was classified; sentence offsets point into it",
                            "content_hash": "SHA-256 of text", "published": "ISO 8601 UTC, when the source gives one"},
            },
            "sentences": {
                "description": "One row per sentence of a scored article: its text, label and confidence.",
                "facets": ["label"],
                "columns": {"text": "the sentence", "label": "sourced_fact, attributed_claim, speculation or boilerplate",
                            "confidence": "the probability of the label", "scores": "JSON: every label's probability",
                            "idx": "position in the article", "start": "character offset in articles.text",
                            "end": "character offset in articles.text"},
            },
            "scores": {
                "description": "One row per article and model: the verdict, counts and shares.",
                "facets": ["verdict", "model_name"],
                "columns": {"verdict": "reporting, mixed or analysis", **counts, **shares},
            },
            "latest_verdicts": {
                "description": "Each article with its newest verdict and shares.",
                "facets": ["verdict"],
                "columns": {"verdict": "reporting, mixed or analysis", **shares},
            },
            "sources": {"description": "Feeds, folders and dumps that were read, and how the last read went.",
                        "label_column": "key", "facets": ["kind", "last_status"]},
            "runs": {"description": "What each `hypefact score` run did.", "facets": ["status"]},
            "problems": {"description": "Bad input met by each run (reported and skipped).", "facets": ["level"]},
        }}},
    }


def write_metadata(store, output: str | os.PathLike | None, stream=None) -> int:
    """Write :func:`metadata` for the store's database to ``output`` (or ``stream``); returns 1."""
    text = json.dumps(metadata(Path(store.path).stem), indent=2) + "\n"
    if output is None:
        stream.write(text)
        stream.flush()
    else:
        atomic_write_text(output, text)
    return 1
