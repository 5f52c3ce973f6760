"""Upgrade a results database written by an older hypefact, in place.

:class:`classifier.batch.store.Store` calls :func:`migrate` inside the transaction
that opens the database, before the current schema script runs (which then adds
any new indexes and views with ``IF NOT EXISTS``). A failed step rolls the whole
upgrade back, so a database is either at its old version or at the new one.

One function per step, ``_from_N`` taking schema N to N + 1; ``PRAGMA user_version``
is set by the store once the script has run.
"""

from __future__ import annotations

import sqlite3


def _from_1(conn: sqlite3.Connection) -> None:
    """Schema 1 -> 2: sentences keep their own text and link to their article.

    SQLite cannot add a column with a foreign key to an existing table, so the table
    is rebuilt. Texts are cut from the stored article text where the score is for
    that exact text (same content hash); a score for an older version of the
    article has no text to recover and gets NULL.
    """
    conn.execute("ALTER TABLE sentences RENAME TO sentences_schema1")
    conn.execute("""
        CREATE TABLE sentences (
            article_id   TEXT NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
            model_sha256 TEXT NOT NULL,
            idx          INTEGER NOT NULL,
            start        INTEGER NOT NULL,
            end          INTEGER NOT NULL,
            text         TEXT,
            label        TEXT NOT NULL,
            confidence   REAL NOT NULL,
            scores       TEXT NOT NULL,
            PRIMARY KEY (article_id, model_sha256, idx),
            FOREIGN KEY (article_id, model_sha256) REFERENCES scores(article_id, model_sha256) ON DELETE CASCADE
        )""")  # a rowid table, so that sqlite-utils can add full-text search (enable-fts)
    # substr() counts characters (1-based) like Python's str slicing counts code points.
    conn.execute("""
        INSERT INTO sentences(article_id, model_sha256, idx, start, end, text, label, confidence, scores)
        SELECT o.article_id, o.model_sha256, o.idx, o.start, o.end,
               CASE WHEN a.content_hash = sc.content_hash THEN substr(a.text, o.start + 1, o.end - o.start) END,
               o.label, o.confidence, o.scores
        FROM sentences_schema1 o
        JOIN scores sc ON sc.article_id = o.article_id AND sc.model_sha256 = o.model_sha256
        JOIN articles a ON a.id = o.article_id""")
    conn.execute("DROP TABLE sentences_schema1")


STEPS = {1: _from_1}


def migrate(conn: sqlite3.Connection, version: int) -> None:
    """Run every step from ``version`` up to the current schema (inside the caller's transaction)."""
    while version in STEPS:
        STEPS[version](conn)
        version += 1
