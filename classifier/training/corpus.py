"""Labeled sentences: reading, validating and writing JSON Lines label files.

A label file holds one object per line, ``{"text": ..., "label": ..., "doc": ...}``
plus any other keys (kept as they are). Units of one document stand in
document order, which the context features rely on.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable

from ..about import HypefactError
from ..labels import LABELS


class LabelFileError(HypefactError):
    """A label file that cannot be used; the message names the file and line.

    ``kind`` says what is wrong, for ``hypefact check``: ``json`` (not valid JSON or
    not an object), ``empty_text``, ``unknown_label`` or ``file`` (unreadable, missing).
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


def parse_line(line: str, where: str) -> dict:
    """One label-file line as a dict, or a :class:`LabelFileError` naming ``where``."""
    try:
        obj = json.loads(line)
    except json.JSONDecodeError as exc:
        raise LabelFileError(f"{where}: not valid JSON: {exc.msg} (column {exc.colno})", "json") from None
    if not isinstance(obj, dict):
        raise LabelFileError(f"{where}: expected a JSON object, got {type(obj).__name__}", "json")
    text, label = obj.get("text"), obj.get("label")
    if not isinstance(text, str) or not text.strip():
        raise LabelFileError(f"{where}: missing or empty \"text\"", "empty_text")
    if label not in LABELS:
        raise LabelFileError(f"{where}: unknown label {label!r} (expected one of {', '.join(LABELS)})", "unknown_label")
    return obj


def scan_labels(paths: Iterable[str | os.PathLike]) -> tuple[list[LabeledUnit], list[LabelFileError]]:
    """Every unit that parses, and one error per line (or file) that does not.

    ``hypefact check`` reports all the errors; :func:`read_labels` stops at the first.
    """
    units: list[LabeledUnit] = []
    errors: list[LabelFileError] = []
    for path in label_files(paths):
        try:
            with open(path, encoding="utf-8") as fh:
                for n, line in enumerate(fh, 1):
                    if not line.strip():
                        continue
                    try:
                        obj = parse_line(line, f"{path}:{n}")
                    except LabelFileError as exc:
                        errors.append(exc)
                        continue
                    extra = {k: v for k, v in obj.items() if k not in ("text", "label", "doc")}
                    doc = str(obj.get("doc") or f"{path.stem}")
                    units.append(LabeledUnit(obj["text"], obj["label"], doc, f"{path}:{n}", extra))
        except UnicodeDecodeError:
            errors.append(LabelFileError(f"{path}: not UTF-8 text"))
        except OSError as exc:
            errors.append(LabelFileError(f"{path}: cannot read: {exc.strerror}"))
    return units, errors


def read_labels(paths: Iterable[str | os.PathLike]) -> list[LabeledUnit]:
    """All labeled units in the given files/folders; a bad line raises (the first one found)."""
    units, errors = scan_labels(paths)
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
