"""Labeled sentences: reading, validating and writing JSON Lines label files.

A label file holds one object per line, ``{"text": ..., "label": ..., "doc": ...}``
plus any other keys (kept as they are). Units of one document stand in
document order, which the context features rely on.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Iterator

from .._io import NotRegularFileError, bounded_lines, open_regular
from ..about import HypefactError
from ..labels import LABELS


class LabelFileError(HypefactError):
    """A label file that cannot be used; the message names the file and line.

    ``kind`` says what is wrong, for ``hypefact check``: ``json`` (not valid JSON or
    not an object), ``empty_text``, ``unknown_label``, ``file`` (unreadable, missing,
    too big) or ``torn`` (a last line cut short by a crash; a warning, not blocking).
    """

    def __init__(self, message: str, kind: str = "file"):
        super().__init__(message)
        self.kind = kind


@dataclass
class LabeledUnit:
    text: str
    label: str
    doc: str
    source: str = ""  # "file:line", for messages
    extra: dict = field(default_factory=dict)
    #: 1.0 when the unit lies outside its page's article region; set for training by
    #: :func:`classifier.training.region.simulate_regions`, never read from or written to label files.
    outside: float = 0.0

    def as_input(self) -> dict:
        """The form the classifier takes: text, document id for context, article-region flag."""
        return {"text": self.text, "doc": self.doc, "outside": self.outside}


def label_files(paths: Iterable[str | os.PathLike]) -> list[Path]:
    """Expand folders into the ``*.jsonl`` files below them, sorted; keep files as given."""
    files: list[Path] = []
    for p in map(Path, paths):
        if p.is_dir():
            files.extend(sorted(p.rglob("*.jsonl")))
        elif p.exists():
            files.append(p)
        else:
            raise LabelFileError(f"{p}: no such file or folder")
    return files


#: Label files larger than this are refused (they would be read whole into memory): split them.
MAX_LABEL_FILE_BYTES = 256 * 1024 * 1024
#: A line longer than this (in characters) is reported and skipped, never held whole.
MAX_LINE_CHARS = 1024 * 1024


def parse_line(line: str, where: str) -> dict:
    """One label-file line as a dict, or a :class:`LabelFileError` naming ``where``."""
    try:
        obj = json.loads(line)
    except json.JSONDecodeError as exc:
        raise LabelFileError(f"{where}: not valid JSON: {exc.msg} (column {exc.colno})", "json") from None
    except RecursionError:
        raise LabelFileError(f"{where}: not a label line (JSON nested too deeply)", "json") from None
    if not isinstance(obj, dict):
        raise LabelFileError(f"{where}: expected a JSON object, got {type(obj).__name__}", "json")
    text, label = obj.get("text"), obj.get("label")
    if not isinstance(text, str) or not text.strip():
        raise LabelFileError(f"{where}: missing or empty \"text\"", "empty_text")
    if label not in LABELS:
        raise LabelFileError(f"{where}: unknown label {label!r} (expected one of {', '.join(LABELS)})", "unknown_label")
    return obj


def open_label_file(path: str | os.PathLike) -> io.TextIOWrapper:
    """A label file opened for reading as UTF-8 (a byte order mark is dropped); FIFOs, devices and
    files over :data:`MAX_LABEL_FILE_BYTES` are refused with :class:`LabelFileError`."""
    try:
        raw = open_regular(path, "label file")
    except NotRegularFileError as exc:
        raise LabelFileError(str(exc)) from None
    except OSError as exc:
        raise LabelFileError(f"{path}: cannot read: {exc.strerror or exc}") from None
    size = os.fstat(raw.fileno()).st_size
    if size > MAX_LABEL_FILE_BYTES:
        raw.close()
        raise LabelFileError(f"{path}: {size / 1e6:.0f} MB is over the {MAX_LABEL_FILE_BYTES / 1e6:.0f} MB limit "
                             "of a label file; split it into several files")
    return io.TextIOWrapper(raw, encoding="utf-8-sig")


def label_lines(fh) -> Iterator[tuple[int, str | None]]:
    """(line number, line) for each line of an open label file; an over-long line comes back as
    None after being skipped over (it is never held whole)."""
    return bounded_lines(fh, MAX_LINE_CHARS)


def scan_labels(paths: Iterable[str | os.PathLike]) -> tuple[list[LabeledUnit], list[LabelFileError]]:
    """Every unit that parses, and one error per line (or file) that does not.

    ``hypefact check`` reports all the errors; :func:`read_labels` stops at the first
    blocking one. A last line that has no newline and does not parse is a *torn*
    line (a write cut short by a crash or a full disk): it is reported as such
    (kind ``torn``) and left out, never fatal.
    """
    units: list[LabeledUnit] = []
    errors: list[LabelFileError] = []
    for path in label_files(paths):
        try:
            with open_label_file(path) as fh:
                for n, line in label_lines(fh):
                    where = f"{path}:{n}"
                    if line is None:
                        errors.append(LabelFileError(f"{where}: over {MAX_LINE_CHARS // (1024 * 1024)} M characters; "
                                                     "not a label line", "json"))
                        continue
                    if not line.strip():
                        continue
                    try:
                        obj = parse_line(line, where)
                    except LabelFileError as exc:
                        if exc.kind == "json" and not line.endswith("\n"):
                            exc = LabelFileError(f"{where}: torn last line (no newline, not valid JSON: a write "
                                                 "cut short?); left out", "torn")
                        errors.append(exc)
                        continue
                    extra = {k: v for k, v in obj.items() if k not in ("text", "label", "doc")}
                    doc = str(obj.get("doc") or f"{path.stem}")
                    units.append(LabeledUnit(obj["text"], obj["label"], doc, f"{path}:{n}", extra))
        except LabelFileError as exc:
            errors.append(exc)
        except UnicodeDecodeError:
            errors.append(LabelFileError(f"{path}: not UTF-8 text"))
        except OSError as exc:
            errors.append(LabelFileError(f"{path}: cannot read: {exc.strerror}"))
    return units, errors


def set_aside_torn_line(path: str | os.PathLike) -> str | None:
    """Move a torn last line of ``path`` (no newline, not valid JSON) to ``<path>.torn``.

    What ``label`` and ``import`` do before appending to a label file, so that new
    lines never glue onto a half-written one. Returns a message for the user, or
    None when the file ends cleanly. The torn bytes are kept, never thrown away.
    """
    path = Path(path)
    try:
        with open_regular(path, "label file") as fh:
            size = os.fstat(fh.fileno()).st_size
            if size == 0:
                return None
            fh.seek(max(0, size - MAX_LINE_CHARS))
            tail = fh.read()
    except (FileNotFoundError, NotRegularFileError):
        return None
    if tail.endswith(b"\n"):
        return None
    cut = tail.rfind(b"\n") + 1
    torn = tail[cut:]
    try:
        if isinstance(json.loads(torn), dict):
            return None  # a whole line that only lacks its newline: keep it
    except (ValueError, RecursionError):
        pass
    keep = size - len(torn)
    aside = path.with_name(path.name + ".torn")
    with open(aside, "ab") as out:
        out.write(torn + b"\n")
        out.flush()
        os.fsync(out.fileno())
    with open(path, "r+b") as fh:
        fh.truncate(keep)
        os.fsync(fh.fileno())
    return (f"{path}: its last line was torn (a write cut short, {len(torn)} bytes); "
            f"moved it to {aside} and carried on")


def read_labels(paths: Iterable[str | os.PathLike]) -> list[LabeledUnit]:
    """All labeled units in the given files/folders; a bad line raises (the first one found).

    A torn last line (see :func:`scan_labels`) is left out, not raised."""
    units, errors = scan_labels(paths)
    errors = [e for e in errors if e.kind != "torn"]
    if errors:
        raise errors[0]
    return units


def data_hash(units: Iterable[LabeledUnit]) -> str:
    """SHA-256 over (doc, text, label) in order: identifies the training data of a model."""
    h = hashlib.sha256()
    for u in units:
        h.update(json.dumps([u.doc, u.text, u.label], ensure_ascii=False).encode("utf-8"))
        h.update(b"\n")
    return h.hexdigest()


def in_document_order(units: list[LabeledUnit]) -> list[LabeledUnit]:
    """Units grouped by document and, where offsets are known, sorted by them.

    The context model needs each document's units together and in reading order;
    files that carry ``start`` offsets may list them otherwise.
    """
    order = {}
    for u in units:
        order.setdefault(u.doc, len(order))
    return sorted(units, key=lambda u: (order[u.doc], u.extra.get("start", 0) if isinstance(u.extra.get("start", 0), int) else 0))


def normalized(text: str) -> str:
    """Lower-case words only: what two units must share to count as the same text."""
    return " ".join(re.findall(r"\w+", text.lower()))


def find_duplicates(units: list[LabeledUnit], threshold: float = 0.8, min_words: int = 6,
                    min_exact_words: int = 4) -> list[tuple[int, int, float]]:
    """Pairs of units (indices) that are the same text or near copies of each other.

    Exact: the same normalized words, for units of ``min_exact_words`` or more (short
    furniture such as "Related stories" recurs on every real site). Near: units of ``min_words`` words or more whose
    sets of word 3-grams overlap with Jaccard similarity >= ``threshold`` (found through
    an inverted index, so it stays fast on tens of thousands of units).
    """
    pairs: list[tuple[int, int, float]] = []
    seen: dict[str, int] = {}
    shingles: list[frozenset] = []
    index: dict[tuple, list[int]] = {}
    for i, u in enumerate(units):
        norm = normalized(u.text)
        if len(norm.split()) < min_exact_words:
            shingles.append(frozenset())
            continue
        if norm in seen:
            pairs.append((seen[norm], i, 1.0))
            shingles.append(frozenset())
            continue
        seen[norm] = i
        words = norm.split()
        grams = frozenset(zip(words, words[1:], words[2:])) if len(words) >= min_words else frozenset()
        shingles.append(grams)
        candidates: dict[int, int] = {}
        for g in grams:
            for j in index.get(g, ()):
                candidates[j] = candidates.get(j, 0) + 1
            index.setdefault(g, []).append(i)
        for j, shared in candidates.items():
            jac = shared / (len(grams) + len(shingles[j]) - shared)
            if jac >= threshold:
                pairs.append((j, i, round(jac, 3)))
    return pairs


def document_texts(units: Iterable[LabeledUnit]) -> dict[str, str]:
    """Each document's units joined one per line, in reading order: articles to benchmark on."""
    docs: dict[str, list[str]] = {}
    for u in units:
        docs.setdefault(u.doc, []).append(u.text)
    return {doc: "\n".join(texts) for doc, texts in docs.items()}
