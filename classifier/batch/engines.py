"""Where a batch run's chunks of articles are scored: in this process, a local pool, or Dask.

An engine takes chunks ``[(article id, text, in_article)]`` (``in_article``: one flag
per line of a page, inside its article region; None for plain text) and returns futures of
``[(article id, result)]``; the run (:mod:`classifier.batch.run`) decides what
to submit and stores what comes back. Workers load the model once, from the
run's private snapshot, and refuse to score with any other model.
"""

from __future__ import annotations

import concurrent.futures
import os
import threading
from typing import Iterable

from ..about import HypefactError
from ..annotate import Annotator, ArticleRefused
from ..model.files import ModelSnapshot


class BatchError(HypefactError):
    """A run that cannot start (model, engine, database); the message is meant for the user."""


# ---------------------------------------------------------------------------
# Scoring a chunk of texts (runs in workers)


#: Seconds one article may take to be split into sentences in a batch run (``--article-seconds``).
DEFAULT_ARTICLE_SECONDS = 60.0


def score_texts(annotator, texts: list[str], in_article: list | None = None,
                seconds_per_text: float | None = None) -> list[dict]:
    """Annotate many texts with one classifier call (:meth:`Annotator.annotate_many`).

    Results are plain dicts for the store. A text refused for its size or its time
    budget (:class:`~classifier.annotate.ArticleRefused`) comes back as
    ``{"error": message}`` and the others are scored without it. If anything else
    fails, the texts are scored one at a time so that only the culprit is returned
    as an error and the others are still scored.
    """
    regions = in_article or [None] * len(texts)
    out: list[dict | None] = [None] * len(texts)
    todo = list(range(len(texts)))
    while todo:
        try:
            results = annotator.annotate_many([texts[i] for i in todo], in_article=[regions[i] for i in todo],
                                              seconds_per_text=seconds_per_text)
        except ArticleRefused as exc:
            out[todo.pop(exc.index)] = {"error": str(exc)}
            continue
        except Exception:
            if len(texts) == 1:
                raise
            for i in todo:
                out[i] = _score_one_safely(annotator, texts[i], regions[i], seconds_per_text)
            break
        for i, r in zip(todo, results):
            out[i] = {"verdict": r.verdict, "counts": r.counts, "shares": r.shares, "ledger": r.ledger,
                      "sentences": [(s.index, s.start, s.end, s.label, s.confidence, s.scores) for s in r.sentences]}
        break
    return out


def _score_one_safely(annotator, text: str, in_article=None, seconds_per_text: float | None = None) -> dict:
    try:
        return score_texts(annotator, [text], [in_article], seconds_per_text)[0]
    except Exception as exc:
        return {"error": f"classification failed: {type(exc).__name__}: {exc}"}


_WORKER_CACHE: dict = {}
_WORKER_LOCK = threading.Lock()


class ModelMismatch(Exception):
    pass


def _cached_annotator(path: str, sha256: str, spacy_model: str | None):
    """This worker's annotator for the model ``sha256``, loaded once."""
    key = (sha256, spacy_model)
    with _WORKER_LOCK:
        annotator = _WORKER_CACHE.get(key)
        if annotator is None:
            annotator = Annotator.load(path, spacy_model)
            if annotator.model_info.get("sha256") != sha256:
                raise ModelMismatch(f"worker loaded model {annotator.model_info.get('sha256')}, expected {sha256}")
            _WORKER_CACHE.clear()  # one model per worker: a new run's model replaces the old
            _WORKER_CACHE[key] = annotator
        return annotator


def score_chunk(annotator, chunk: list[tuple], seconds_per_text: float | None = None) -> list[tuple[str, dict]]:
    """``[(article id, text[, in_article])]`` -> ``[(article id, result)]``."""
    texts = [item[1] for item in chunk]
    regions = [item[2] if len(item) > 2 else None for item in chunk]
    return [(item[0], res) for item, res in zip(chunk, score_texts(annotator, texts, regions, seconds_per_text))]


def _score_chunk_local(path: str, sha256: str, spacy_model: str | None, chunk: list[tuple],
                       seconds_per_text: float | None = None):
    return score_chunk(_cached_annotator(path, sha256, spacy_model), chunk, seconds_per_text)


# ---------------------------------------------------------------------------
# Engines


class Engine:
    """Where chunks are scored. ``submit`` returns a future; results are ``[(article id, result)]``."""

    name = "inline"
    workers = 1
    #: Each article's time budget for being split into sentences (the run sets it from ``--article-seconds``).
    article_seconds: float | None = DEFAULT_ARTICLE_SECONDS

    def start(self, model: ModelSnapshot, spacy_model: str | None) -> None:
        raise NotImplementedError

    def submit(self, chunk: list[tuple]):
        raise NotImplementedError

    def wait_any(self, futures: list) -> set:
        done, _ = concurrent.futures.wait(futures, return_when=concurrent.futures.FIRST_COMPLETED)
        return done

    def result(self, future):
        return future.result()

    def cancel(self, futures: Iterable) -> None:
        for f in futures:
            f.cancel()

    def close(self) -> None:
        pass


class InlineEngine(Engine):
    """Score in this process, one chunk at a time (``--jobs 1``)."""

    def start(self, model, spacy_model):
        self._args = (str(model.path), model.sha256, spacy_model)  # loaded on the first chunk, if any

    def submit(self, chunk):
        fut: concurrent.futures.Future = concurrent.futures.Future()
        try:
            fut.set_result(_score_chunk_local(*self._args, chunk, self.article_seconds))
        except BaseException as exc:
            if isinstance(exc, KeyboardInterrupt):
                raise
            fut.set_exception(exc)
        return fut


def _worker_init(parent_pid: int) -> None:
    """Set up a pool worker: Ctrl-C is left to the main process (which stops the run and keeps what
    is stored), and the worker exits by itself once the main process is gone, even after a
    ``kill -9`` (which no clean-up code of the main process outlives)."""
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)
    threading.Thread(target=_exit_with_parent, args=(parent_pid,), daemon=True,
                     name="hypefact-parent-watch").start()


def _exit_with_parent(parent_pid: int, every: float = 0.5) -> None:
    import time

    while os.getppid() == parent_pid:
        time.sleep(every)
    os._exit(0)


class LocalEngine(Engine):
    """A pool of local worker processes (joblib's loky); each loads the model once and is sent text."""

    name = "local"

    def __init__(self, jobs: int):
        self.workers = max(1, jobs)

    def _executor(self):
        from joblib.externals.loky import get_reusable_executor

        # Reused across runs in one process; rebuilt by loky if a worker died.
        return get_reusable_executor(max_workers=self.workers, timeout=300, initializer=_worker_init,
                                     initargs=(os.getpid(),))

    def start(self, model, spacy_model):
        self._args = (str(model.path), model.sha256, spacy_model)

    def submit(self, chunk):
        return self._executor().submit(_score_chunk_local, *self._args, chunk, self.article_seconds)


def default_jobs() -> int:
    try:
        n = len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        n = os.cpu_count() or 1
    return max(1, min(n, 8))


class InFlight:
    """A bounded stream of chunks on an engine: at most ``limit`` chunks are being scored at
    once, so memory stays flat however many articles a run reads.

    Each chunk travels with a ``payload`` (whatever the caller needs to store the results) and
    comes back as ``(payload, [(article id, result)])``; a chunk whose scoring failed comes back
    with ``{"error": message}`` for each of its articles, so one broken chunk never stops a run.
    """

    def __init__(self, engine: Engine, limit: int):
        self.engine = engine
        self.limit = max(1, limit)
        self._pending: dict = {}

    def __len__(self) -> int:
        return len(self._pending)

    def submit(self, items: list[tuple], payload) -> list[tuple[object, list]]:
        """Send ``[(article id, text, in_article)]``; returns what finished while waiting for room."""
        future = self.engine.submit(items)
        self._pending[future] = (payload, [item[0] for item in items])
        done = []
        while len(self._pending) >= self.limit:
            done += self.collect(block=True)
        return done

    def collect(self, block: bool) -> list[tuple[object, list]]:
        """Finished chunks: wait for at least one if ``block``, else only those already done."""
        futures = list(self._pending)
        ready = self.engine.wait_any(futures) if block and futures else {f for f in futures if f.done()}
        out = []
        for future in ready:
            payload, ids = self._pending.pop(future)
            try:
                results = self.engine.result(future)
            except KeyboardInterrupt:
                raise
            except Exception as exc:
                message = f"scoring failed: {type(exc).__name__}: {exc}"[:500]
                results = [(aid, {"error": message}) for aid in ids]
            out.append((payload, results))
        return out

    def cancel(self) -> None:
        self.engine.cancel(list(self._pending))
        self._pending.clear()
