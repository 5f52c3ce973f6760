"""The results database of ``hypefact score``: SQLite, one file, no server.

Tables (see ``docs/batch.md`` for the full schema):

* ``sources``: one row per feed URL, feed file, folder or dump, with the HTTP
  validators (ETag, Last-Modified) of the last *completely stored* read;
* ``articles``: one row per article, keyed by a stable id (from the guid or the
  URL), with the text that was classified and its SHA-256 (``content_hash``);
* ``article_sources``: which sources an article was seen in;
* ``scores``: one row per (article, model SHA-256): verdict, counts and shares,
  and the content hash it was computed from; ``sentences``: its per-sentence
  labels;
* ``runs`` and ``problems``: what each run did and the bad input it met;
* ``source_ledgers`` and ``named_sources``: per score, who its claims rest on
  (:mod:`classifier.ledger`): claims by source type, the anonymous share, and
  the named sources with their claim counts;
* the view ``latest_verdicts``: each article with its newest verdict and shares.

Browsable as it is with Datasette or sqlite-utils (``datasette news.db``; a metadata file
with descriptions and facets comes from :mod:`classifier.batch.datasette`): sentences carry their text, single-column foreign keys link them to
their article, and the columns people filter on are indexed. An older database is
upgraded in place when it is opened (:mod:`classifier.batch.migrate`).

Safety: WAL journal, a busy timeout, and every article written in one
``BEGIN IMMEDIATE`` transaction (article + links + score + sentences), so a
killed run leaves either the whole article or nothing, and two runs at once
serialise their writes instead of corrupting the file. Only the process that
owns the :class:`Store` writes (workers never touch the database).
"""

from __future__ import annotations

import json
import os
import sqlite3
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

from ..about import HypefactError
from ..labels import LABELS
from .migrate import migrate

SCHEMA_VERSION = 2  # 2: sentences keep their text, more indexes, the latest_verdicts view
SHARE_LABELS = tuple(lab for lab in LABELS if lab != "boilerplate")

_SCHEMA = f"""
CREATE TABLE IF NOT EXISTS sources (
    id               INTEGER PRIMARY KEY,
    key              TEXT NOT NULL UNIQUE,  -- normalised URL or absolute path
    kind             TEXT NOT NULL,         -- feed_url | feed_file | folder | jsonl | missing | unsupported
    title            TEXT,
    etag             TEXT,                  -- validators of the last read whose entries were all stored
    last_modified    TEXT,
    validators_model TEXT,                  -- model SHA-256 the validators were stored under
    last_status      TEXT,                  -- ok | not_modified | failed
    last_message     TEXT,
    last_checked     TEXT
);
CREATE TABLE IF NOT EXISTS articles (
    id           TEXT PRIMARY KEY,          -- stable: sha256 of the guid, else of the normalised URL
    guid         TEXT,
    url          TEXT,
    title        TEXT,
    published    TEXT,                      -- ISO 8601 UTC, when the source gives one
    content_hash TEXT NOT NULL,             -- sha256 of text
    text         TEXT NOT NULL,             -- what was classified; sentence offsets point into it
    chars        INTEGER NOT NULL,
    first_seen   TEXT NOT NULL,
    updated      TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS article_sources (
    article_id TEXT NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
    source_id  INTEGER NOT NULL REFERENCES sources(id) ON DELETE CASCADE,
    first_seen TEXT NOT NULL,
    PRIMARY KEY (article_id, source_id)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS article_sources_by_source ON article_sources(source_id);
CREATE TABLE IF NOT EXISTS scores (
    article_id   TEXT NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
    model_sha256 TEXT NOT NULL,
    model_name   TEXT NOT NULL,
    content_hash TEXT NOT NULL,             -- the article text this score is for
    verdict      TEXT NOT NULL,             -- reporting | analysis | mixed
    n_sentences  INTEGER NOT NULL,
    {", ".join(f"count_{lab} INTEGER NOT NULL" for lab in LABELS)},
    {", ".join(f"share_{lab} REAL NOT NULL" for lab in SHARE_LABELS)},
    notes        TEXT,                      -- JSON list, e.g. an encoding fallback
    scored_at    TEXT NOT NULL,
    run_id       INTEGER REFERENCES runs(id),
    PRIMARY KEY (article_id, model_sha256)
);
CREATE INDEX IF NOT EXISTS scores_by_verdict ON scores(verdict);
CREATE TABLE IF NOT EXISTS sentences (
    article_id   TEXT NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
    model_sha256 TEXT NOT NULL,
    idx          INTEGER NOT NULL,
    start        INTEGER NOT NULL,          -- character offsets into the text that was scored
    end          INTEGER NOT NULL,
    text         TEXT,                      -- the sentence (NULL only for scores migrated from schema 1
                                            -- whose article text has changed since)
    label        TEXT NOT NULL,
    confidence   REAL NOT NULL,
    scores       TEXT NOT NULL,             -- JSON {{label: probability}}
    PRIMARY KEY (article_id, model_sha256, idx),
    FOREIGN KEY (article_id, model_sha256) REFERENCES scores(article_id, model_sha256) ON DELETE CASCADE
);  -- a rowid table, so that sqlite-utils can add full-text search
CREATE INDEX IF NOT EXISTS sentences_by_label ON sentences(label);
CREATE TABLE IF NOT EXISTS runs (
    id           INTEGER PRIMARY KEY,
    started      TEXT NOT NULL,
    finished     TEXT,
    status       TEXT NOT NULL,             -- running | done | interrupted | failed | killed (found dead by a later run)
    model_sha256 TEXT,
    model_name   TEXT,
    engine       TEXT,
    pid          INTEGER,
    args         TEXT,                      -- JSON
    new          INTEGER NOT NULL DEFAULT 0,
    updated      INTEGER NOT NULL DEFAULT 0,
    skipped      INTEGER NOT NULL DEFAULT 0,
    failed       INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS problems (
    id         INTEGER PRIMARY KEY,
    run_id     INTEGER REFERENCES runs(id),
    source_key TEXT NOT NULL,
    item       TEXT,
    level      TEXT NOT NULL,               -- error | warning
    message    TEXT NOT NULL,
    at         TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS articles_by_published ON articles(published);
CREATE INDEX IF NOT EXISTS scores_by_run ON scores(run_id);
CREATE INDEX IF NOT EXISTS problems_by_run ON problems(run_id);
CREATE VIEW IF NOT EXISTS latest_verdicts AS
    SELECT a.id AS article_id, COALESCE(a.title, a.url, a.guid, a.id) AS article, a.url, a.published,
           s.verdict, s.n_sentences,
           {", ".join(f"s.share_{lab}" for lab in SHARE_LABELS)}, s.model_name, s.scored_at
    FROM articles a JOIN scores s ON s.article_id = a.id
    WHERE s.scored_at = (SELECT MAX(scored_at) FROM scores WHERE article_id = a.id);
"""

# The source ledger of each score (classifier.ledger). Created on open like the rest, so a database
# from before the ledger gains the tables, and its old scores simply have no ledger row (LEFT JOIN).
_LEDGER_SCHEMA = """
CREATE TABLE IF NOT EXISTS source_ledgers (
    article_id      TEXT NOT NULL,
    model_sha256    TEXT NOT NULL,
    claims          INTEGER NOT NULL,       -- attributed_claim units + sourced_fact units citing a record
    person          INTEGER NOT NULL,       -- claims by the type of their source
    organisation    INTEGER NOT NULL,
    document        INTEGER NOT NULL,
    outlet          INTEGER NOT NULL,
    anonymous       INTEGER NOT NULL,
    unknown         INTEGER NOT NULL,       -- attributed claims whose source the rules did not find
    anonymous_share REAL NOT NULL,          -- anonymous / claims, 0 when there are no claims
    PRIMARY KEY (article_id, model_sha256),
    FOREIGN KEY (article_id, model_sha256) REFERENCES scores(article_id, model_sha256) ON DELETE CASCADE
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS named_sources (
    article_id   TEXT NOT NULL,
    model_sha256 TEXT NOT NULL,
    name         TEXT NOT NULL,             -- e.g. Maria Ortiz, Veltrix Holdings, Daily Courant
    type         TEXT NOT NULL,             -- person | organisation | outlet
    claims       INTEGER NOT NULL,          -- claims of the article resting on it
    PRIMARY KEY (article_id, model_sha256, name, type),
    FOREIGN KEY (article_id, model_sha256) REFERENCES scores(article_id, model_sha256) ON DELETE CASCADE
) WITHOUT ROWID;
"""
LEDGER_TYPES = ("person", "organisation", "document", "outlet", "anonymous", "unknown")


class StoreError(HypefactError):
    """A database that cannot be opened or used; the message is meant for the user."""


def describe_error(path: str, exc: sqlite3.Error) -> str:
    """One line for a database that failed: read-only, full, damaged, or not a database at all."""
    text = str(exc)
    if "readonly" in text or "read-only" in text:
        why = "the database is read-only (check the permissions of the file and of its folder)"
    elif "disk is full" in text or "disk I/O" in text:
        why = f"the disk is full or failing ({text})"
    elif "malformed" in text or "corrupt" in text:
        why = f"the database is damaged ({text}); restore a copy, or start a new one with --db"
    else:
        why = f"not a usable SQLite database ({text})"
    return f"{path}: {why}"


def now_iso() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())


@dataclass
class ModelId:
    name: str
    sha256: str


class Store:
    """A connection to a results database, owned by one thread of one process."""

    def __init__(self, path: str | os.PathLike, timeout: float = 60.0, read_only: bool = False):
        """Open (and create, unless ``read_only``) the database.

        ``read_only`` is for readers such as ``export``: nothing is written, so a
        database on read-only storage can still be read. Errors are one line
        (:func:`describe_error`).
        """
        self.path = str(path)
        try:
            if read_only:
                self._open_read_only(timeout)
                version = self.conn.execute("PRAGMA user_version").fetchone()[0]
                if version > SCHEMA_VERSION:
                    raise StoreError(f"{self.path}: written by a newer hypefact (schema {version}); upgrade hypefact")
                if 0 < version < SCHEMA_VERSION:
                    # Made by an older hypefact: readers expect today's tables, so upgrade it in
                    # place once (a writer's open migrates), then read it as asked.
                    self.conn.close()
                    try:
                        Store(self.path, timeout).close()
                    except StoreError as exc:
                        raise StoreError(f"{self.path}: made by an older hypefact (schema {version}) and it cannot "
                                         f"be upgraded here ({exc}); open it once where it is writable") from None
                    self._open_read_only(timeout)
                return
            self.conn = sqlite3.connect(self.path, timeout=timeout, isolation_level=None)
            self.conn.execute(f"PRAGMA busy_timeout = {int(timeout * 1000)}")
            mode = self.conn.execute("PRAGMA journal_mode = WAL").fetchone()[0]
            if str(mode).lower() != "wal" and self.path != ":memory:":
                raise StoreError(f"{self.path}: cannot switch the database to WAL mode (got {mode})")
            self.conn.execute("PRAGMA synchronous = NORMAL")  # durable across process crashes in WAL mode
            self.conn.execute("PRAGMA foreign_keys = ON")
            with self.transaction():
                version = self.conn.execute("PRAGMA user_version").fetchone()[0]
                if version > SCHEMA_VERSION:
                    raise StoreError(f"{self.path}: written by a newer hypefact (schema {version}); upgrade hypefact")
                if 0 < version < SCHEMA_VERSION:
                    migrate(self.conn, version)  # in place, in this transaction: all or nothing
                for stmt in _statements(_SCHEMA + _LEDGER_SCHEMA):
                    self.conn.execute(stmt)
                if version < SCHEMA_VERSION:
                    self.conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
        except sqlite3.DatabaseError as exc:
            raise StoreError(describe_error(self.path, exc)) from None

    def _open_read_only(self, timeout: float) -> None:
        self.conn = sqlite3.connect(f"{Path(self.path).absolute().as_uri()}?mode=ro", uri=True,
                                    timeout=timeout, isolation_level=None)
        self.conn.execute(f"PRAGMA busy_timeout = {int(timeout * 1000)}")
        self.conn.execute("PRAGMA query_only = ON")

    # -- plumbing ----------------------------------------------------------

    @contextmanager
    def transaction(self):
        """``BEGIN IMMEDIATE`` ... ``COMMIT``: take the write lock up front (waits on another writer)."""
        self.conn.execute("BEGIN IMMEDIATE")
        try:
            yield self.conn
        except BaseException:
            self.conn.execute("ROLLBACK")
            raise
        else:
            self.conn.execute("COMMIT")

    def close(self) -> None:
        try:
            self.conn.close()
        except sqlite3.Error:
            pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    # -- sources -------------------------------------------------------------

    def source_id(self, key: str, kind: str) -> int:
        with self.transaction() as c:
            c.execute("INSERT INTO sources(key, kind) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET kind = excluded.kind",
                      (key, kind))
            return c.execute("SELECT id FROM sources WHERE key = ?", (key,)).fetchone()[0]

    def validators(self, source_id: int, model_sha256: str) -> tuple[str | None, str | None]:
        """ETag and Last-Modified to send, if they were stored under this model (else a full fetch)."""
        row = self.conn.execute("SELECT etag, last_modified, validators_model FROM sources WHERE id = ?",
                                (source_id,)).fetchone()
        if not row or row[2] != model_sha256:
            return None, None
        return row[0], row[1]

    def finish_source(self, source_id: int, state: str, message: str | None, title: str | None,
                      validators: tuple[str | None, str | None] | None, model_sha256: str) -> None:
        """Record the outcome of reading a source.

        ``validators`` (ETag, Last-Modified) replace the stored ones; pass them only
        once every entry of the read is stored, and None to leave the old ones.
        """
        with self.transaction() as c:
            c.execute("UPDATE sources SET last_status = ?, last_message = ?, last_checked = ?, "
                      "title = COALESCE(?, title) WHERE id = ?", (state, message, now_iso(), title, source_id))
            if validators is not None and state in ("ok", "not_modified"):
                etag, last_modified = validators
                c.execute("UPDATE sources SET etag = ?, last_modified = ?, validators_model = ? WHERE id = ?",
                          (etag, last_modified, model_sha256 if (etag or last_modified) else None, source_id))

    # -- articles and scores --------------------------------------------------

    def is_scored(self, article_id: str, model_sha256: str, content_hash: str | None = None) -> bool:
        """Whether the article has a score under this model (for this exact text, if a hash is given)."""
        if content_hash is None:
            row = self.conn.execute("SELECT 1 FROM scores WHERE article_id = ? AND model_sha256 = ?",
                                    (article_id, model_sha256)).fetchone()
        else:
            row = self.conn.execute("SELECT 1 FROM scores WHERE article_id = ? AND model_sha256 = ? AND content_hash = ?",
                                    (article_id, model_sha256, content_hash)).fetchone()
        return row is not None

    def link(self, pairs: list[tuple[str, int]]) -> int:
        """Record that (article id, source id) pairs were seen; returns how many links are new."""
        if not pairs:
            return 0
        now = now_iso()
        with self.transaction() as c:
            before = c.total_changes
            c.executemany("INSERT OR IGNORE INTO article_sources(article_id, source_id, first_seen) "
                          "SELECT ?, ?, ? WHERE EXISTS (SELECT 1 FROM articles WHERE id = ?)",
                          [(a, s, now, a) for a, s in pairs])
            return c.total_changes - before

    def write_scored(self, article, source_id: int, result: dict, model: ModelId, run_id: int | None) -> str:
        """Store one article with its score and sentences atomically; returns 'new' or 'updated'."""
        now = now_iso()
        counts, shares = result["counts"], result["shares"]
        with self.transaction() as c:
            existed = c.execute("SELECT 1 FROM articles WHERE id = ?", (article.id,)).fetchone() is not None
            c.execute(
                "INSERT INTO articles(id, guid, url, title, published, content_hash, text, chars, first_seen, updated) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT(id) DO UPDATE SET guid = excluded.guid, "
                "url = excluded.url, title = excluded.title, published = COALESCE(excluded.published, published), "
                "content_hash = excluded.content_hash, text = excluded.text, chars = excluded.chars, "
                "updated = excluded.updated",
                (article.id, article.guid, article.url, article.title, article.published, article.content_hash,
                 article.text, len(article.text), now, now))
            c.execute("INSERT OR IGNORE INTO article_sources(article_id, source_id, first_seen) VALUES (?, ?, ?)",
                      (article.id, source_id, now))
            c.execute("DELETE FROM sentences WHERE article_id = ? AND model_sha256 = ?", (article.id, model.sha256))
            cols = (["article_id", "model_sha256", "model_name", "content_hash", "verdict", "n_sentences"]
                    + [f"count_{lab}" for lab in LABELS] + [f"share_{lab}" for lab in SHARE_LABELS]
                    + ["notes", "scored_at", "run_id"])
            values = ([article.id, model.sha256, model.name, article.content_hash, result["verdict"],
                       len(result["sentences"])] + [int(counts.get(lab, 0)) for lab in LABELS]
                      + [float(shares.get(lab, 0.0)) for lab in SHARE_LABELS]
                      + [json.dumps(article.notes, ensure_ascii=False) if article.notes else None, now, run_id])
            c.execute(f"INSERT INTO scores({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))}) "
                      f"ON CONFLICT(article_id, model_sha256) DO UPDATE SET "
                      + ", ".join(f"{col} = excluded.{col}" for col in cols[2:]), values)
            c.executemany(
                "INSERT INTO sentences(article_id, model_sha256, idx, start, end, text, label, confidence, scores) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [(article.id, model.sha256, s[0], s[1], s[2], article.text[s[1]:s[2]], s[3], s[4], json.dumps(s[5]))
                 for s in result["sentences"]])
            self._write_ledger(c, article.id, model.sha256, result.get("ledger"))
        return "updated" if existed else "new"

    @staticmethod
    def _write_ledger(c, article_id: str, model_sha256: str, ledger: dict | None) -> None:
        """Replace the score's source ledger (inside the caller's transaction)."""
        c.execute("DELETE FROM source_ledgers WHERE article_id = ? AND model_sha256 = ?", (article_id, model_sha256))
        c.execute("DELETE FROM named_sources WHERE article_id = ? AND model_sha256 = ?", (article_id, model_sha256))
        if not ledger:
            return
        c.execute(f"INSERT INTO source_ledgers(article_id, model_sha256, claims, {', '.join(LEDGER_TYPES)}, "
                  f"anonymous_share) VALUES ({', '.join('?' * (len(LEDGER_TYPES) + 4))})",
                  (article_id, model_sha256, int(ledger["claims"]),
                   *[int(ledger["counts"].get(t, 0)) for t in LEDGER_TYPES], float(ledger["anonymous_share"])))
        c.executemany("INSERT INTO named_sources(article_id, model_sha256, name, type, claims) VALUES (?, ?, ?, ?, ?)",
                      [(article_id, model_sha256, n["name"], n["type"], int(n["claims"])) for n in ledger["named"]])

    # -- runs and problems ------------------------------------------------------

    def start_run(self, model: ModelId, engine: str, args: dict) -> int:
        with self.transaction() as c:
            cur = c.execute("INSERT INTO runs(started, status, model_sha256, model_name, engine, pid, args) "
                            "VALUES (?, 'running', ?, ?, ?, ?, ?)",
                            (now_iso(), model.sha256, model.name, engine, os.getpid(), json.dumps(args, default=str)))
            return cur.lastrowid

    def finish_run(self, run_id: int, status: str, new: int, updated: int, skipped: int, failed: int) -> None:
        with self.transaction() as c:
            c.execute("UPDATE runs SET finished = ?, status = ?, new = ?, updated = ?, skipped = ?, failed = ? "
                      "WHERE id = ?", (now_iso(), status, new, updated, skipped, failed, run_id))

    def add_problems(self, run_id: int | None, problems: list) -> None:
        if not problems:
            return
        now = now_iso()
        with self.transaction() as c:
            c.executemany("INSERT INTO problems(run_id, source_key, item, level, message, at) VALUES (?, ?, ?, ?, ?, ?)",
                          [(run_id, p.source, p.item, p.level, p.message, now) for p in problems])

    # -- reading ---------------------------------------------------------------

    def count(self, table: str) -> int:
        if table not in ("sources", "articles", "article_sources", "scores", "sentences", "runs", "problems",
                         "source_ledgers", "named_sources"):
            raise ValueError(table)
        return self.conn.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0]

    def query(self, sql: str, params: tuple | list = ()) -> Iterator[sqlite3.Row]:
        cur = self.conn.cursor()
        cur.row_factory = sqlite3.Row
        return cur.execute(sql, params)


def _statements(script: str) -> list[str]:
    """Split the schema script into statements (no semicolons inside our DDL strings)."""
    lines = [line.split("--", 1)[0] for line in script.splitlines()]
    return [s.strip() for s in "\n".join(lines).split(";") if s.strip()]
