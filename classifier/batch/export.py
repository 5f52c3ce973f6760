"""Export what ``hypefact score`` stored: CSV, JSON Lines or Parquet, filtered, streamed.

One row per article, with its newest score (or every score with
``all_models=True``). Rows are read with one cursor and written as they come
(Parquet in row groups), so exporting a large database takes little memory.
Files are written to a temporary name and renamed, so a failed export never
leaves half a file under the requested name.
"""

from __future__ import annotations

import csv
import io
import json
import os
import sqlite3
import sys
from typing import Iterator

from .._io import atomic_writer
from ..about import HypefactError
from ..labels import LABELS, VERDICTS
from .sources import resolve_source
from .store import SHARE_LABELS, Store, StoreError, describe_error

FORMATS = ("csv", "jsonl", "parquet")
#: Pre-annotated tasks for annotation tools (:mod:`classifier.training.exporters`): one per sentence,
#: or one per article with a span per sentence.
TASK_FORMATS = ("prodigy", "doccano", "prodigy-spans", "doccano-spans")
#: A metadata file for ``datasette DB --metadata FILE`` (:mod:`classifier.batch.datasette`).
METADATA_FORMATS = ("datasette-metadata",)
ALL_FORMATS = FORMATS + TASK_FORMATS + METADATA_FORMATS

COLUMNS = (["article_id", "title", "url", "guid", "published", "first_seen", "sources", "verdict", "n_sentences"]
           + [f"count_{lab}" for lab in LABELS] + [f"share_{lab}" for lab in SHARE_LABELS]
           + ["model_name", "model_sha256", "content_hash", "scored_at", "chars"])


class ExportError(HypefactError):
    """An export that cannot be made; the message is meant for the user."""


def query_rows(store: Store, verdicts: list[str] | None = None, sources: list[str] | None = None,
               since: str | None = None, model_sha: str | None = None, all_models: bool = False,
               with_text: bool = False, with_sentences: bool = False) -> Iterator[dict]:
    """Stored articles with their score, filtered; ``since`` is ISO 8601 UTC (published, else first seen)."""
    where, params = [], []
    if verdicts:
        bad = sorted(set(verdicts) - set(VERDICTS))
        if bad:
            raise ExportError(f"unknown verdict {bad[0]!r} (choose from {', '.join(VERDICTS)})")
        where.append(f"s.verdict IN ({', '.join('?' * len(verdicts))})")
        params += list(verdicts)
    if sources:
        alts = []
        for src in sources:
            alts.append("(so.key = ? OR instr(lower(so.key), lower(?)) > 0)")
            params += [resolve_source(src).key, src]
        where.append("a.id IN (SELECT l.article_id FROM article_sources l JOIN sources so ON so.id = l.source_id "
                     f"WHERE {' OR '.join(alts)})")
    if since:
        where.append("COALESCE(a.published, a.first_seen) >= ?")
        params.append(since)
    if model_sha:
        where.append("s.model_sha256 LIKE ?")
        params.append(model_sha.lower() + "%")
    ranked = "" if all_models or model_sha else "WHERE rn = 1"
    sql = f"""
        SELECT * FROM (
            SELECT a.id AS article_id, a.title, a.url, a.guid, a.published, a.first_seen, a.chars,
                   {"a.text," if with_text or with_sentences else ""}
                   (SELECT group_concat(key, char(10)) FROM (SELECT so.key FROM article_sources l
                        JOIN sources so ON so.id = l.source_id WHERE l.article_id = a.id ORDER BY so.key)) AS sources,
                   s.verdict, s.n_sentences, {", ".join(f"s.count_{lab}" for lab in LABELS)},
                   {", ".join(f"s.share_{lab}" for lab in SHARE_LABELS)},
                   s.model_name, s.model_sha256, s.content_hash, s.scored_at,
                   ROW_NUMBER() OVER (PARTITION BY s.article_id ORDER BY s.scored_at DESC, s.model_sha256) AS rn
            FROM scores s JOIN articles a ON a.id = s.article_id
            {"WHERE " + " AND ".join(where) if where else ""}
        ) {ranked}
        ORDER BY COALESCE(published, first_seen), article_id, scored_at
    """
    for row in store.query(sql, params):
        d = {k: row[k] for k in COLUMNS}
        if with_text or with_sentences:
            d["text"] = row["text"]
        d["sources"] = d["sources"].split("\n") if d["sources"] else []
        if with_sentences:
            d["sentences"] = [
                {"idx": r["idx"], "start": r["start"], "end": r["end"], "text": r["text"],
                 "label": r["label"], "confidence": r["confidence"]}
                for r in store.query("SELECT idx, start, end, text, label, confidence FROM sentences "
                                     "WHERE article_id = ? AND model_sha256 = ? ORDER BY idx",
                                     (d["article_id"], d["model_sha256"]))
            ]
            if not with_text:
                del d["text"]
        yield d


def export(store: Store, fmt: str, output: str | os.PathLike | None = None, **filters) -> int:
    """Write the rows of :func:`query_rows` as ``fmt`` to ``output`` (stdout if None); returns the row count.

    ``prodigy`` and ``doccano`` write one pre-annotated task per sentence instead, and
    ``datasette-metadata`` a description of the database for Datasette.
    """
    if fmt not in ALL_FORMATS:
        raise ExportError(f"unknown format {fmt!r} (choose from {', '.join(ALL_FORMATS)})")
    if fmt in TASK_FORMATS:
        from ..training.exporters import export_tasks

        bad = {"with_text", "with_sentences", "all_models"} & {k for k, v in filters.items() if v}
        if bad:
            raise ExportError(f"--format {fmt} writes annotation tasks; it takes no --text, --sentences "
                              "or --all-models")
        rest = {k: v for k, v in filters.items() if k not in ("with_text", "with_sentences", "all_models")}
        return export_tasks(query_rows(store, with_text=True, with_sentences=True, **rest), fmt, output, sys.stdout)
    if fmt in METADATA_FORMATS:
        from .datasette import write_metadata

        return write_metadata(store, output, sys.stdout)
    if fmt == "csv" and filters.get("with_sentences"):
        raise ExportError("--sentences needs a nested format: use --format jsonl or parquet")
    if fmt == "parquet":
        pa, pq = _pyarrow()
        if output is None:
            raise ExportError("Parquet is binary: give a file with --output")
    rows = query_rows(store, **filters)
    try:
        if output is None:
            return _write(fmt, rows, sys.stdout, filters)
        # Atomic, and with the user's normal permissions: a killed export leaves the old file or none.
        with atomic_writer(output, binary=fmt == "parquet") as fh:
            return _write_parquet(rows, fh, filters) if fmt == "parquet" else _write(fmt, rows, fh, filters)
    except sqlite3.Error as exc:  # a damaged database shows up while rows are read
        raise StoreError(describe_error(store.path, exc)) from None


def _write(fmt: str, rows: Iterator[dict], fh: io.TextIOBase, filters: dict) -> int:
    n = 0
    if fmt == "csv":
        cols = COLUMNS + (["text"] if filters.get("with_text") else [])
        writer = csv.DictWriter(fh, fieldnames=cols, extrasaction="ignore")
        writer.writeheader()
        for row in rows:
            row["sources"] = " | ".join(row["sources"])
            writer.writerow(row)
            n += 1
    else:
        for row in rows:
            fh.write(json.dumps(row, ensure_ascii=False) + "\n")
            n += 1
    fh.flush()
    return n


def _pyarrow():
    try:
        import pyarrow as pa
        import pyarrow.parquet as pq
    except ImportError:
        raise ExportError("Parquet export needs pyarrow: pip install 'hypefact[parquet]'") from None
    return pa, pq


def parquet_schema(with_text: bool = False, with_sentences: bool = False):
    pa, _ = _pyarrow()
    fields = []
    for col in COLUMNS:
        if col == "sources":
            fields.append(pa.field(col, pa.list_(pa.string())))
        elif col.startswith("count_") or col in ("n_sentences", "chars"):
            fields.append(pa.field(col, pa.int64()))
        elif col.startswith("share_"):
            fields.append(pa.field(col, pa.float64()))
        else:
            fields.append(pa.field(col, pa.string()))
    if with_text:
        fields.append(pa.field("text", pa.string()))
    if with_sentences:
        fields.append(pa.field("sentences", pa.list_(pa.struct([
            ("idx", pa.int64()), ("start", pa.int64()), ("end", pa.int64()), ("text", pa.string()),
            ("label", pa.string()), ("confidence", pa.float64())]))))
    return pa.schema(fields)


def _write_parquet(rows: Iterator[dict], path, filters: dict, batch: int = 2000) -> int:
    pa, pq = _pyarrow()
    schema = parquet_schema(bool(filters.get("with_text")), bool(filters.get("with_sentences")))
    names = schema.names
    n = 0
    with pq.ParquetWriter(path, schema, compression="zstd") as writer:
        buf: list[dict] = []
        for row in rows:
            buf.append(row)
            if len(buf) >= batch:
                writer.write_table(pa.Table.from_pylist([{k: r.get(k) for k in names} for r in buf], schema=schema))
                n += len(buf)
                buf = []
        if buf or n == 0:
            writer.write_table(pa.Table.from_pylist([{k: r.get(k) for k in names} for r in buf], schema=schema))
            n += len(buf)
    return n
