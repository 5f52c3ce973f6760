"""Label sentences in the terminal, the model's least certain first (what ``hypefact label`` runs).

The pieces, each usable on its own:

* :func:`build_pool` segments articles into units with their neighbours, and
  :func:`score_pool` adds the model's guess for each (documents are classified
  whole, so the context stage sees real neighbours);
* :func:`order_pool`: uncertainty sampling (smallest margin between the two
  likeliest labels first) or a seeded random order;
* :class:`LabelWriter` appends one JSON line per answer with ``write`` + ``fsync``
  at once, so a crash or Ctrl-C loses at most the unit on screen; undo takes back
  only the bytes this session appended last, after checking they are still there;
* :func:`label_queue` strings these together: what ``hypefact label`` asks, in order;
* :class:`Session` holds the queue and the history; :func:`classifier.training.terminal.run_terminal`
  draws the screen and reads single keys.
"""

from __future__ import annotations

import errno
import fcntl
import json
import os
import random
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..about import HypefactError
from ..labels import LABELS
from ..read import DEFAULT_MAX_BYTES, article_paths, read_source
from ..segment import load_pipeline, segment
from .corpus import scan_labels, set_aside_torn_line

STRATEGIES = ("uncertain", "random")
KEYS_HELP = ("[enter] accept the guess   " + "   ".join(f"[{i}] {lab}" for i, lab in enumerate(LABELS, 1)) +
             "   [s] skip   [u] undo   [q] quit   [?] guide")


class LabelingError(HypefactError):
    """A labeling session that cannot start or go on; the message is for the user."""


@dataclass
class PoolUnit:
    doc: str
    source: str  # the file it came from
    index: int  # position in its document
    count: int  # units in its document
    start: int
    end: int
    text: str
    before: list[str]
    after: list[str]
    guess: str | None = None
    scores: dict[str, float] = field(default_factory=dict)

    @property
    def margin(self) -> float:
        """Probability of the likeliest label minus the second: small means unsure."""
        top = sorted(self.scores.values(), reverse=True) + [0.0, 0.0]
        return top[0] - top[1]


def same_text(text: str) -> str:
    return " ".join(text.split())


def build_pool(sources: list[str], nlp=None, context: int = 2, max_bytes: int | None = None) -> list[PoolUnit]:
    """All units of the sources in reading order; raises :class:`~classifier.read.InputError`.

    Sources are what ``hypefact annotate`` takes (files, ``-`` for standard input) and
    folders, which stand for the article files below them.
    """
    nlp = nlp or load_pipeline()
    pool: list[PoolUnit] = []
    docs_seen: dict[str, int] = {}
    paths = article_paths(list(sources))
    if not paths:
        raise LabelingError(f"no .txt, .md or .html files in {', '.join(map(str, sources))}")
    for path in paths:
        src = read_source(path, max_bytes or DEFAULT_MAX_BYTES)
        stem = "stdin" if path == "-" else Path(path).stem
        docs_seen[stem] = docs_seen.get(stem, 0) + 1
        doc = stem if docs_seen[stem] == 1 else f"{stem}-{docs_seen[stem]}"
        units = segment(src.text, nlp)
        texts = [u.text for u in units]
        for i, u in enumerate(units):
            pool.append(PoolUnit(doc, str(path), i, len(units), u.start, u.end, u.text,
                                 texts[max(0, i - context):i], texts[i + 1:i + 1 + context]))
    return pool


def score_pool(pool: list[PoolUnit], model) -> None:
    """Fill in each unit's guess and scores; each document is classified whole, in order."""
    classes = [str(c) for c in model.classes_]
    by_doc: dict[str, list[PoolUnit]] = {}
    for u in pool:
        by_doc.setdefault(u.doc, []).append(u)
    for units in by_doc.values():
        proba = model.predict_proba([{"text": u.text, "doc": u.doc} for u in units])
        for u, p in zip(units, proba):
            u.scores = {c: float(x) for c, x in zip(classes, p)}
            u.guess = classes[int(np.argmax(p))]


def order_pool(pool: list[PoolUnit], strategy: str = "uncertain", seed: int = 0) -> list[PoolUnit]:
    """The order to ask in: smallest margin first, or shuffled with ``seed``."""
    if strategy == "uncertain":
        return sorted(pool, key=lambda u: u.margin)  # stable: ties keep reading order
    if strategy == "random":
        out = list(pool)
        random.Random(seed).shuffle(out)
        return out
    raise ValueError(f"unknown strategy {strategy!r} (choose from {', '.join(STRATEGIES)})")


def labeled_texts(path: Path) -> tuple[set[str], list[str]]:
    """Texts already labeled in ``path`` (whitespace-normalised), and warnings for lines that do not parse."""
    if not path.exists():
        return set(), []
    units, errors = scan_labels([path])
    return {same_text(u.text) for u in units}, [str(e) for e in errors]


class LabelWriter:
    """Append-only, durable writes to one label file, with undo of this session's own last lines."""

    def __init__(self, path: str | os.PathLike):
        self.path = Path(path)
        if self.path.is_dir():
            raise LabelingError(f"{self.path}: is a folder; give a .jsonl file to write to")
        self.path.parent.mkdir(parents=True, exist_ok=True)
        created = not self.path.exists()
        self.fd = os.open(self.path, os.O_RDWR | os.O_APPEND | os.O_CREAT, 0o644)
        try:
            fcntl.flock(self.fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(self.fd)
            raise LabelingError(f"{self.path}: another hypefact label session is writing to it") from None
        if created:
            dfd = os.open(self.path.parent, os.O_RDONLY)
            try:
                os.fsync(dfd)
            finally:
                os.close(dfd)
        # A line torn by an earlier crash or full disk is moved aside (kept in NAME.torn), not glued onto.
        torn = set_aside_torn_line(self.path)
        self.notes: list[str] = [torn] if torn else []

    def append(self, record: dict) -> tuple[int, bytes]:
        """Write one whole JSON line and fsync, or nothing; returns (offset, bytes) for :meth:`undo`.

        If the write fails or is cut short (a full disk), the file is cut back to where
        it was, so no half line is ever left to block ``train``.
        """
        data = (json.dumps(record, ensure_ascii=False) + "\n").encode("utf-8")
        offset = os.fstat(self.fd).st_size
        if offset and os.pread(self.fd, 1, offset - 1) != b"\n":
            data = b"\n" + data  # a last line without its newline (hand edit, crash): keep it apart
        try:
            written = os.write(self.fd, data)
            if written != len(data):
                raise OSError(errno.ENOSPC, f"only {written} of {len(data)} bytes written")
            os.fsync(self.fd)
        except OSError as exc:
            try:
                os.ftruncate(self.fd, offset)
                os.fsync(self.fd)
            except OSError:
                pass
            raise LabelingError(f"{self.path}: could not save that answer ({exc.strerror or exc}); the file is "
                                "as it was before it. Free some space and run the command again") from None
        return offset, data

    def undo(self, offset: int, data: bytes) -> None:
        """Remove the line :meth:`append` wrote, if the file still ends with exactly it."""
        size = os.fstat(self.fd).st_size
        if size != offset + len(data) or os.pread(self.fd, len(data), offset) != data:
            raise LabelingError(f"{self.path} changed since that answer was written; not undoing "
                                "(edit the file by hand)")
        os.ftruncate(self.fd, offset)
        os.fsync(self.fd)

    def close(self) -> None:
        if self.fd >= 0:
            os.close(self.fd)  # also releases the lock
            self.fd = -1


@dataclass
class Step:
    unit: PoolUnit
    label: str | None  # None: skipped
    offset: int = 0
    data: bytes = b""


class Session:
    """The queue of units to ask about and what was answered, independent of any terminal."""

    def __init__(self, queue: list[PoolUnit], writer: LabelWriter, strategy: str = "uncertain"):
        self.queue = list(queue)
        self.writer = writer
        self.strategy = strategy
        self.history: list[Step] = []
        self.position = 0

    @property
    def current(self) -> PoolUnit | None:
        return self.queue[self.position] if self.position < len(self.queue) else None

    @property
    def labeled(self) -> int:
        return sum(s.label is not None for s in self.history)

    @property
    def skipped(self) -> int:
        return sum(s.label is None for s in self.history)

    @property
    def remaining(self) -> int:
        return len(self.queue) - self.position

    def answer(self, label: str) -> None:
        if label not in LABELS:
            raise ValueError(f"unknown label {label!r}")
        u = self.current
        record = {"text": u.text, "label": label, "doc": u.doc, "start": u.start, "end": u.end,
                  "source": u.source, "guess": u.guess,
                  "guess_p": round(u.scores.get(u.guess, 0.0), 4) if u.guess else None,
                  "strategy": self.strategy, "labeled_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}
        offset, data = self.writer.append(record)
        self.history.append(Step(u, label, offset, data))
        self.position += 1

    def skip(self) -> None:
        self.history.append(Step(self.current, None))
        self.position += 1

    def undo(self) -> Step | None:
        """Take back the last answer or skip and show that unit again; None if there is nothing to undo."""
        if not self.history:
            return None
        step = self.history[-1]
        if step.label is not None:
            self.writer.undo(step.offset, step.data)
        self.history.pop()
        self.position -= 1
        return step


def label_queue(sources: list[str], into: str | os.PathLike, model, strategy: str = "uncertain",
                seed: int = 0) -> tuple[list[PoolUnit], int, list[str]]:
    """The units of ``sources`` still to label into ``into``, in the order to ask them.

    Each text comes once, and never again once it is in ``into``. Returns (queue,
    units in the sources, warnings about lines of ``into`` that do not parse).
    """
    if strategy not in STRATEGIES:
        raise LabelingError(f"unknown strategy {strategy!r} (choose from {', '.join(STRATEGIES)})")
    done, warnings = labeled_texts(Path(into))
    pool = build_pool(sources)
    score_pool(pool, model)
    seen: set[str] = set()
    queue = []
    for u in order_pool(pool, strategy, seed):
        key = same_text(u.text)
        if key not in done and key not in seen:
            seen.add(key)
            queue.append(u)
    return queue, len(pool), warnings
