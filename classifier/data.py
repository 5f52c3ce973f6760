"""Labeled sentences: reading, validating and writing JSON Lines label files.

A label file holds one object per line, ``{"text": ..., "label": ..., "doc": ...}``
plus any other keys (kept as they are). Units of one document stand in
document order, which the context features rely on.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable

from . import LABELS


class LabelFileError(Exception):
    """A label file that cannot be used; the message names the file and line."""


@dataclass
class LabeledUnit:
    text: str
    label: str
    doc: str
    source: str = ""  # "file:line", for messages
    extra: dict = field(default_factory=dict)

    def as_input(self) -> dict:
        """The form the classifier takes: text plus document id for context."""
        return {"text": self.text, "doc": self.doc}


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
        raise LabelFileError(f"{where}: not valid JSON ({exc.msg} at column {exc.colno})") from None
    if not isinstance(obj, dict):
        raise LabelFileError(f"{where}: expected a JSON object, got {type(obj).__name__}")
    text, label = obj.get("text"), obj.get("label")
    if not isinstance(text, str) or not text.strip():
        raise LabelFileError(f"{where}: missing or empty \"text\"")
    if label not in LABELS:
        raise LabelFileError(f"{where}: unknown label {label!r} (expected one of {', '.join(LABELS)})")
    return obj


def read_labels(paths: Iterable[str | os.PathLike]) -> list[LabeledUnit]:
    """All labeled units in the given files/folders; the first bad line raises."""
    units: list[LabeledUnit] = []
    for path in label_files(paths):
        try:
            with open(path, encoding="utf-8") as fh:
                for n, line in enumerate(fh, 1):
                    if not line.strip():
                        continue
                    obj = parse_line(line, f"{path}:{n}")
                    extra = {k: v for k, v in obj.items() if k not in ("text", "label", "doc")}
                    doc = str(obj.get("doc") or f"{path.stem}")
                    units.append(LabeledUnit(obj["text"], obj["label"], doc, f"{path}:{n}", extra))
        except UnicodeDecodeError:
            raise LabelFileError(f"{path}: not UTF-8 text") from None
        except OSError as exc:
            raise LabelFileError(f"{path}: cannot read: {exc.strerror}") from None
    return units


def data_hash(units: Iterable[LabeledUnit]) -> str:
    """SHA-256 over (doc, text, label) in order: identifies the training data of a model."""
    h = hashlib.sha256()
    for u in units:
        h.update(json.dumps([u.doc, u.text, u.label], ensure_ascii=False).encode("utf-8"))
        h.update(b"\n")
    return h.hexdigest()


def atomic_write_text(path: str | os.PathLike, text: str) -> None:
    """Write a file so that readers see the old or the new content, never half of it."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def write_labels(path: str | os.PathLike, units: Iterable[LabeledUnit]) -> None:
    """Write units as JSON Lines atomically (used by import and rewrites, never by label)."""
    lines = []
    for u in units:
        lines.append(json.dumps({"text": u.text, "label": u.label, "doc": u.doc, **u.extra}, ensure_ascii=False))
    atomic_write_text(path, "\n".join(lines) + ("\n" if lines else ""))
