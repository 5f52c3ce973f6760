"""The scoring engine of ``hypefact score``: read sources, score new or changed articles, store them.

One process owns the database and reads the sources; scoring runs elsewhere:

* ``InlineEngine``: in this process (``--jobs 1``);
* ``LocalEngine``: joblib's loky process pool; each worker loads the model once
  (from a private snapshot of the model file) and is sent only article text;
* ``DaskEngine`` (:mod:`classifier.batch.dask_engine`): a dask.distributed cluster, an existing one (``--scheduler``)
  or a LocalCluster; the model travels to each worker once, inside a worker
  plugin, and results come back to this process, the single writer.

Articles are sent in chunks (a few dozen, bounded in characters) with a bounded
number of chunks in flight, so memory stays flat however many articles there
are. Each article is written in its own transaction with its score and
sentences, so a killed run loses nothing committed and leaves nothing half
written; the next run skips what is stored (same id, same text hash, same model)
and picks up the rest. A feed's ETag/Last-Modified are kept only once every
entry of that read is stored, so a kill never turns unscored entries into a 304.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import sqlite3
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass, field

from ..model.files import ModelError, ModelSnapshot, snapshot_model
from .engines import DEFAULT_ARTICLE_SECONDS, BatchError, Engine, InFlight, InlineEngine, LocalEngine, default_jobs
from .sources import Article, Item, Problem, ReadOptions, Skipped, SourceSpec, SourceStatus, expand_sources, iter_source
from .store import ModelId, Store, StoreError, describe_error
from .summary import Listener, RunSummary, SourceSummary

DEFAULT_CHUNK_ARTICLES = 16
DEFAULT_CHUNK_CHARS = 200_000
#: A run whose first this-many articles all fail to score stops: the model is broken, not the input.
BROKEN_MODEL_AFTER = 48


# ---------------------------------------------------------------------------
# A run


def make_engine(engine: str = "local", jobs: int | None = None, scheduler: str | None = None,
                connect_timeout: float = 30.0) -> Engine:
    jobs = jobs or default_jobs()
    if engine == "dask":
        try:
            from .dask_engine import DaskEngine  # dask is heavy and optional
        except ImportError:
            raise BatchError("--engine dask needs dask.distributed: pip install 'hypefact[dask]'") from None
        return DaskEngine(scheduler, jobs, connect_timeout=connect_timeout)
    if engine != "local":
        raise BatchError(f"unknown engine {engine!r} (choose local or dask)")
    return InlineEngine() if jobs == 1 else LocalEngine(jobs)


@dataclass
class BatchOptions:
    read: ReadOptions = field(default_factory=ReadOptions)
    spacy_model: str | None = None
    chunk_articles: int = DEFAULT_CHUNK_ARTICLES
    chunk_chars: int = DEFAULT_CHUNK_CHARS
    max_in_flight: int | None = None  # chunks; default 2 per worker
    article_seconds: float | None = DEFAULT_ARTICLE_SECONDS  # per-article budget for splitting into sentences
    #: Score text that is not English too (with a note that it is out of scope); by default such an
    #: article is reported and not scored, as ``hypefact annotate`` refuses it.
    any_language: bool = False


@dataclass
class _SourceRun:
    source_id: int
    summary: SourceSummary
    status: SourceStatus
    remaining: int = 0  # articles submitted and not yet stored
    reading_done: bool = False
    score_failures: int = 0
    finished: bool = False


class BatchRun:
    """One ``hypefact score`` run: the single writer, feeding an engine a bounded stream of chunks."""

    def __init__(self, store: Store, engine: Engine, model: ModelSnapshot, options: BatchOptions | None = None,
                 listener: Listener | None = None):
        self.store = store
        self.engine = engine
        self.model = model
        self.options = options or BatchOptions()
        self.listener = listener or Listener()
        self._chunk: list[tuple[Article, _SourceRun]] = []
        self._chunk_chars = 0
        self._links: list[tuple[str, int]] = []
        self._late_links: list[tuple[str, int]] = []
        self._problems: list[Problem] = []
        self._all_problems: list[Problem] = []
        self._in_run: dict[str, str] = {}  # article id -> content hash submitted in this run
        self._first_text: dict[str, str] = {}  # article id -> content hash of its first entry in this run
        self._scored_ok = 0
        self._score_errors = 0
        self._expected = 0  # items read that will each end in one listener.article_done

    # -- public ------------------------------------------------------------------

    def run(self, sources: list[str], run_args: dict | None = None) -> RunSummary:
        specs = expand_sources(sources)
        model_id = self.model_id = ModelId(self.model.name, self.model.sha256)
        mark_killed_runs(self.store)
        self.run_id = self.store.start_run(model_id, self.engine.name,
                                           {**(run_args or {"sources": sources}), "host": socket.gethostname()})
        t0 = time.monotonic()
        interrupted = False
        self._states: list[_SourceRun] = []
        try:
            self.engine.article_seconds = self.options.article_seconds
            self.engine.start(self.model, self.options.spacy_model)
            self.in_flight = InFlight(self.engine, self.options.max_in_flight or 2 * max(1, self.engine.workers))
            self.listener.run_started(len(specs), self.engine.name, self.engine.workers)
            for index, spec in enumerate(specs):
                self._read_source(spec, index, len(specs))
            self.listener.articles_known(self._expected)  # from here on the progress bar has a total
            self._flush_chunk()
            while self.in_flight:
                self._collect(block=True)
        except KeyboardInterrupt:
            interrupted = True
            self.in_flight.cancel()
            for src in self._states:
                if not src.finished:
                    src.summary.state = "interrupted"
        except BaseException:
            if hasattr(self, "in_flight"):
                self.in_flight.cancel()
            self.engine.close()
            try:
                self._flush_problems()
                self.store.finish_run(self.run_id, "failed", 0, 0, 0, 0)
            except sqlite3.Error:
                pass  # the database itself failed: report the first error
            raise
        self._links += self._late_links
        self._flush_links()
        self._flush_problems()
        self.engine.close()
        summaries = [src.summary for src in self._states]
        summary = RunSummary(self.run_id, model_id, self.engine.name, self.engine.workers, summaries,
                             self._all_problems, time.monotonic() - t0, interrupted)
        self.store.finish_run(self.run_id, "interrupted" if interrupted else "done", summary.total("new"),
                              summary.total("updated"), summary.total("skipped"), summary.total("failed"))
        self.listener.run_finished(summary)
        return summary

    # -- reading -----------------------------------------------------------------

    def _read_source(self, spec: SourceSpec, index: int, total: int) -> _SourceRun:
        sha = self.model.sha256
        source_id = self.store.source_id(spec.key, spec.kind)
        status = SourceStatus()
        src = _SourceRun(source_id, SourceSummary(spec.arg, spec.key, spec.kind), status)
        self._states.append(src)
        self.listener.source_started(src.summary, index, total)
        etag, last_modified = self.store.validators(source_id, sha) if spec.kind == "feed_url" else (None, None)

        def scored(aid: str) -> bool:
            return self.store.is_scored(aid, sha)

        items = iter_source(spec, self.options.read, status, etag=etag, last_modified=last_modified, is_scored=scored)
        try:
            for item in items:
                self._handle(item, src)
        except (KeyboardInterrupt, BatchError):
            raise
        except Exception as exc:  # a bug or a library failing on hostile input: report, go on
            self._problem(Problem(spec.key, None, f"reading stopped by an unexpected error: "
                                                  f"{type(exc).__name__}: {exc}"), src)
            status.state = "failed"
        src.reading_done = True
        src.summary.state = status.state
        src.summary.message = src.summary.message or status.message
        src.summary.title = status.title
        src.summary.entries = status.entries
        self._maybe_finish(src)
        return src

    def _handle(self, item: Item, src: _SourceRun) -> None:
        summary = src.summary
        if isinstance(item, Problem):
            self._problem(item, src)
            if item.level == "error" and item.item is not None:
                self._expected += 1
                summary.failed += 1
                self.listener.article_done(summary, "failed")
            return
        self._expected += 1  # skipped, unchanged or scored: each ends in one article_done
        if isinstance(item, Skipped):
            if item.reason == "older":
                summary.old += 1
            else:
                summary.unchanged += 1
                self._links.append((item.id, src.source_id))
            self.listener.article_done(summary, item.reason if item.reason == "older" else "unchanged")
            return
        article: Article = item
        digest = article.content_hash
        if self._first_text.setdefault(article.id, digest) != digest:
            # Two entries with one id (a repeated guid) and different texts: scoring both would make each
            # run replace the other's score, so every run would rescore them. The first one is kept.
            self._problem(Problem(summary.key, article.label, "duplicate id: same guid or URL as an earlier entry of this "
                                  "run, with other text; kept the earlier one", "warning"), src)
            summary.unchanged += 1
            self.listener.article_done(summary, "unchanged")
            return
        if self._in_run.get(article.id) == digest:  # seen earlier in this run (another feed, a duplicate)
            summary.unchanged += 1
            self._late_links.append((article.id, src.source_id))  # its row may not be written yet
            self.listener.article_done(summary, "unchanged")
            return
        if self.store.is_scored(article.id, self.model.sha256, digest):
            summary.unchanged += 1
            self._links.append((article.id, src.source_id))
            self.listener.article_done(summary, "unchanged")
            return
        if not self._in_scope(article, src):
            summary.failed += 1
            self.listener.article_done(summary, "failed")
            return
        for note in article.notes:
            self._problem(Problem(src.summary.key, article.label, note, "warning"), src, count=False)
        self._in_run[article.id] = digest
        self._chunk.append((article, src))
        self._chunk_chars += len(article.text)
        src.remaining += 1
        if len(self._chunk) >= self.options.chunk_articles or self._chunk_chars >= self.options.chunk_chars:
            self._flush_chunk()
        elif self.in_flight:
            self._collect(block=False)

    def _in_scope(self, article: Article, src: _SourceRun) -> bool:
        """English text is; other languages are reported and left out (or, with ``any_language``,
        scored with an out-of-scope note), as ``hypefact annotate`` does."""
        from ..language import document_language

        lang = document_language(article.text, article.in_article)
        if lang.is_english:
            return True
        if self.options.any_language:
            article.notes.append(f"the text is in {lang.name} ({lang.code}): out of scope, the model reads English only")
            return True
        self._problem(Problem(src.summary.key, article.label, f"the text is in {lang.name} ({lang.code}), not "
                              "English: not scored (--any-language scores it, marked out of scope)", "error"), src)
        return False

    def _problem(self, problem: Problem, src: _SourceRun | None, count: bool = True) -> None:
        self._problems.append(problem)
        self._all_problems.append(problem)
        if src is not None and problem.level == "warning" and count:
            src.summary.warnings += 1
        if src is not None and problem.level == "error" and problem.item is None:
            src.summary.message = problem.message
        self.listener.problem(problem)
        if len(self._problems) >= 100:
            self._flush_problems()

    # -- scoring -------------------------------------------------------------------

    def _flush_chunk(self) -> None:
        if self._chunk:
            chunk, self._chunk, self._chunk_chars = self._chunk, [], 0
            self._store_chunks(self.in_flight.submit([(a.id, a.text, a.in_article) for a, _ in chunk], chunk))

    def _collect(self, block: bool) -> None:
        self._store_chunks(self.in_flight.collect(block))

    def _store_chunks(self, finished: list) -> None:
        for chunk, results in finished:
            for (article, src), (aid, result) in zip(chunk, results):
                self._store_result(article, src, aid, result)

    def _store_result(self, article: Article, src: _SourceRun, aid: str, result: dict) -> None:
        summary = src.summary
        src.remaining -= 1
        if aid != article.id or "error" in result:
            summary.failed += 1
            src.score_failures += 1
            self._in_run.pop(article.id, None)
            msg = result.get("error") if aid == article.id else "internal error: results out of order"
            self._problem(Problem(summary.key, article.label, msg), src)
            self.listener.article_done(summary, "failed")
            self._score_errors += 1
            if self._scored_ok == 0 and self._score_errors >= BROKEN_MODEL_AFTER:
                # Not bad input: the model (or its code) is broken. Stop instead of failing every article.
                raise BatchError(f"the model failed on the first {self._score_errors} articles, stopping: {msg} "
                                 "(is the model file out of date with the code? retrain it with `hypefact train`)")
        else:
            status = self.store.write_scored(article, src.source_id, result, self.model_id, self.run_id)
            self._scored_ok += 1
            if status == "new":
                summary.new += 1
            else:
                summary.updated += 1
            summary.verdicts[result["verdict"]] += 1
            self.listener.article_done(summary, status)
        self._maybe_finish(src)

    def _maybe_finish(self, src: _SourceRun) -> None:
        if src.finished or not src.reading_done or src.remaining > 0:
            return
        src.finished = True
        st = src.status
        # Keep validators only when every entry of this read is stored (or failed for good, as bad input):
        # otherwise the next run would get a 304 and never score what is missing.
        keep = st.state in ("ok", "not_modified") and src.score_failures == 0
        self._flush_links()
        self._flush_problems()
        self.store.finish_source(src.source_id, st.state, src.summary.message, st.title,
                                 (st.etag, st.last_modified) if keep else None, self.model.sha256)
        self.listener.source_finished(src.summary)

    def _flush_links(self) -> None:
        links, self._links = self._links, []
        self.store.link(links)

    def _flush_problems(self) -> None:
        problems, self._problems = self._problems, []
        self.store.add_problems(getattr(self, "run_id", None), problems)


def mark_killed_runs(store: Store) -> list[int]:
    """Mark as ``killed`` the runs still ``running`` that were started on this machine by a process
    that is gone (``kill -9``, a crash, a power cut): nothing else could ever finish them.

    Runs from other machines, and runs whose process id is alive (itself, or reused), are left alone.
    """
    host, killed = socket.gethostname(), []
    for row in list(store.query("SELECT id, pid, args FROM runs WHERE status = 'running'")):
        try:
            started_on = json.loads(row["args"] or "{}").get("host")
        except (ValueError, AttributeError):
            continue
        if started_on == host and row["pid"] and row["pid"] != os.getpid() and not _process_alive(row["pid"]):
            store.finish_run(row["id"], "killed", 0, 0, 0, 0)
            killed.append(row["id"])
    return killed


def _process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def score_sources(sources: list[str], db: str | os.PathLike, *, engine: Engine | None = None, model_path=None,
                  options: BatchOptions | None = None, listener: Listener | None = None,
                  run_args: dict | None = None, allow_pickle: bool = False) -> RunSummary:
    """The library entry point of ``hypefact score``: score ``sources`` into the database ``db``."""
    try:
        store = Store(db)
    except StoreError as exc:
        raise BatchError(str(exc)) from None
    try:
        model = snapshot_model(model_path, allow_pickle=allow_pickle)
    except ModelError as exc:
        store.close()
        raise BatchError(str(exc)) from None
    with store, model, _sigterm_stops_the_run():
        run = BatchRun(store, engine or make_engine(), model, options, listener)
        try:
            return run.run(sources, run_args)
        except sqlite3.Error as exc:  # read-only, full disk, damaged: what was committed stays committed
            raise BatchError(describe_error(str(db), exc)) from None


@contextmanager
def _sigterm_stops_the_run():
    """While a run is going, SIGTERM (``kill``, a service manager stopping it) stops it the way Ctrl-C
    does: what is stored stays stored, the run is marked interrupted, workers and the model snapshot
    are cleaned up. (Only the main thread can take signals; elsewhere this does nothing.)"""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def stop(signum, frame):
        raise KeyboardInterrupt("SIGTERM")

    previous = signal.signal(signal.SIGTERM, stop)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)
